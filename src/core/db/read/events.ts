/**
 * Archived events, read in pages. Shared by `bigbrotr export` and the API. Paging is by
 * keyset on (created_at, id), oldest first, so a page costs the same wherever it starts and
 * never reads the rows before it (no OFFSET).
 */
import type { NostrEvent } from "../../../models/event-types.js";
import { DataIntegrityError } from "../errors.js";
import type { Db } from "../pool.js";
import { any } from "../sql.js";

/** Which events; every field is optional and they combine with AND. */
export interface EventQuery {
  /** created_at >= since (unix seconds). */
  since?: number;
  /** created_at <= until (unix seconds). */
  until?: number;
  kinds?: readonly number[];
  /** Only events seen on this relay (canonical URL). */
  relayUrl?: string;
}

/** Position after the last event of a page. */
export interface EventCursor {
  createdAt: number;
  /** 64-char lowercase hex. */
  id: string;
}

export interface EventPageOptions {
  /** Start after this event (exclusive); absent = from the oldest. */
  after?: EventCursor;
  limit: number;
  /** Also return the URLs of the relays each event was seen on. */
  withRelays?: boolean;
}

export interface ArchivedEvent {
  event: NostrEvent;
  /** Relay URLs in code-point order; present only when asked for. */
  relays?: string[];
}

export interface EventPage {
  events: ArchivedEvent[];
  /** Cursor for the next page, or null when this page was the last. */
  next: EventCursor | null;
}

/** An event as the reads select it: hex ids; tags, content and sig null in a lilbrotr archive. */
export interface SelectedEvent {
  id: string;
  pubkey: string;
  created_at: number;
  kind: number;
  tags: string[][] | null;
  content: string | null;
  sig: string | null;
  relays: string[] | null;
}

// An absent filter is a NULL parameter: the driver sends unnamed statements, which the server
// plans with the values bound, so `$n IS NULL OR …` folds away and the keyset condition can
// drive the (created_at, id) index.
const PAGE = `
  SELECT encode(e.id, 'hex') AS id, encode(e.pubkey, 'hex') AS pubkey, e.created_at, e.kind,
         e.tags, e.content, encode(e.sig, 'hex') AS sig,
         CASE WHEN $7::boolean THEN ARRAY(
           SELECT r.url FROM event_relay er JOIN relay r ON r.id = er.relay_id
           WHERE er.event_id = e.id ORDER BY r.url COLLATE "C") END AS relays
  FROM event e
  WHERE ($1::bigint IS NULL OR e.created_at >= $1::bigint)
    AND ($2::bigint IS NULL OR e.created_at <= $2::bigint)
    AND ($3::int[] IS NULL OR e.kind = ANY ($3::int[]))
    AND ($4::text IS NULL OR EXISTS (
          SELECT 1 FROM event_relay er
          WHERE er.event_id = e.id
            AND er.relay_id = (SELECT r.id FROM relay r WHERE r.url = $4::text)))
    AND ($5::bigint IS NULL OR (e.created_at, e.id) > ($5::bigint, decode($6::text, 'hex')))
  ORDER BY e.created_at, e.id
  LIMIT $8::int`;

function toArchived(row: SelectedEvent, withRelays: boolean): ArchivedEvent {
  if (row.tags === null || row.content === null || row.sig === null) {
    throw new DataIntegrityError(
      `event ${row.id} has no tags, content or signature (a lilbrotr archive keeps only the index columns)`,
    );
  }
  const event: NostrEvent = {
    id: row.id,
    pubkey: row.pubkey,
    created_at: row.created_at,
    kind: row.kind,
    tags: row.tags,
    content: row.content,
    sig: row.sig,
  };
  return withRelays ? { event, relays: row.relays ?? [] } : { event };
}

/**
 * One page of whole events matching `query`, oldest first, after `options.after`. Throws
 * DataIntegrityError on an event stored without its payload (a lilbrotr archive).
 */
export async function readEventPage(
  db: Db,
  query: EventQuery,
  options: EventPageOptions,
): Promise<EventPage> {
  const withRelays = options.withRelays === true;
  const page = await readSelectedEventPage(db, query, options);
  return { events: page.rows.map((r) => toArchived(r, withRelays)), next: page.next };
}

/**
 * One page of events as stored, oldest first: in a lilbrotr archive tags, content and sig
 * are null (readers that can do without them, such as the Parquet export, take this one).
 */
export async function readSelectedEventPage(
  db: Db,
  query: EventQuery,
  options: EventPageOptions,
): Promise<{ rows: SelectedEvent[]; next: EventCursor | null }> {
  const rows = await any<SelectedEvent>(db, PAGE, [
    query.since ?? null,
    query.until ?? null,
    query.kinds === undefined ? null : [...query.kinds],
    query.relayUrl ?? null,
    options.after?.createdAt ?? null,
    options.after?.id ?? null,
    options.withRelays === true,
    options.limit,
  ]);
  const last = rows.at(-1);
  const next =
    last !== undefined && rows.length === options.limit
      ? { createdAt: last.created_at, id: last.id }
      : null;
  return { rows, next };
}

/**
 * One index probe per id: a nested loop whose inner side prunes to the id's hash partition
 * at run time. `id = ANY($1)` (or a join) is planned as a scan of every partition once the
 * table is small enough to look cheap, which made this probe 8x slower at 100,000 events
 * and grow with the archive (BENCHMARKS.md, "Synchronizer").
 */
const STORED_IDS_SQL = `SELECT u.id FROM unnest($1::bytea[]) AS u(id)
  CROSS JOIN LATERAL (SELECT 1 FROM event e WHERE e.id = u.id LIMIT 1) AS hit`;

/** Which of `ids` (hex) are archived. */
export async function storedEventIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await any<{ id: Buffer }>(db, STORED_IDS_SQL, [
    ids.map((id) => Buffer.from(id, "hex")),
  ]);
  return new Set(rows.map((r) => r.id.toString("hex")));
}

const STORED_SIGS_SQL = `SELECT u.id, hit.sig FROM unnest($1::bytea[]) AS u(id)
  CROSS JOIN LATERAL (SELECT e.sig FROM event e WHERE e.id = u.id LIMIT 1) AS hit`;

/**
 * Which of `ids` (hex) are archived, each with its stored signature (hex; null where the
 * profile keeps none, lilbrotr): a copy carrying that signature skips its Schnorr check.
 */
export async function storedEventSigs(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await any<{ id: Buffer; sig: Buffer | null }>(db, STORED_SIGS_SQL, [
    ids.map((id) => Buffer.from(id, "hex")),
  ]);
  return new Map(rows.map((r) => [r.id.toString("hex"), r.sig?.toString("hex") ?? null]));
}
