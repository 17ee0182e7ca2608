import type pg from "pg";
import { tagValues, unstorableReason } from "../../models/event.js";
import type { NostrEvent } from "../../models/event-types.js";
import { preparedColumns } from "../../models/prepared-event.js";
import { textArrayLiteral } from "../../models/text.js";
import { type CleanupOptions, deleteInBatches, type OrphanBatch } from "./batched-delete.js";
import { copyByteaHex, copyLines, copyText } from "./copy.js";
import { SIGHTINGS_LOCK_KEY } from "./event-relays.js";
import type { Profile } from "./migrate.js";
import type { Db } from "./pool.js";
import { affected, exec, query } from "./sql.js";
import { transaction } from "./transaction.js";

/**
 * Batches of at least this many events go through COPY into a temp table; smaller ones
 * through one `unnest` statement. COPY starts to cost less CPU per event at about 1,000
 * (`npm run bench:db -- --threshold`, BENCHMARKS.md "Database").
 */
export const EVENT_COPY_THRESHOLD = 1000;

export interface RejectedEvent {
  id: string;
  reason: string;
}

export interface InsertEventsOptions {
  profile: Profile;
  /** Override of EVENT_COPY_THRESHOLD (0 = always COPY, Infinity = never). */
  copyThreshold?: number;
}

export interface InsertEventsResult {
  inserted: number;
  rejected: RejectedEvent[];
}

/**
 * An event ready to write: validated, its index entries computed once (text[] literal), its
 * tags as JSON text when it came prepared (models/prepared-event.ts), else written from them.
 */
export interface EventRow {
  event: NostrEvent;
  tagvaluesLiteral: string;
  tagsJson?: string;
}

/** The tags column of a row: the prepared JSON text, or the tags serialised now. */
function tagsText(row: EventRow): string {
  return row.tagsJson ?? JSON.stringify(row.event.tags);
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/** Why PostgreSQL would refuse the event (so it must not reach a batch), or null. */
export function storageProblem(ev: NostrEvent): string | null {
  if (!HEX64.test(ev.id) || !HEX64.test(ev.pubkey) || !HEX128.test(ev.sig)) {
    return "invalid: id, pubkey or sig is not lowercase hex of the right length";
  }
  if (!Number.isSafeInteger(ev.created_at) || ev.created_at < 0) {
    return "invalid: created_at is not a non-negative integer";
  }
  if (!Number.isInteger(ev.kind) || ev.kind < 0 || ev.kind > 65535) {
    return "invalid: kind is not an integer between 0 and 65535";
  }
  const prepared = preparedColumns(ev);
  return prepared === undefined ? unstorableReason(ev) : prepared.unstorable;
}

/**
 * (created_at, id) order: one lock order for every writer (created_at is part of the event,
 * so the same for every copy of it), and the order of the time indexes, which then take each
 * batch at a few points moving right instead of at random (denser pages), and of the heap,
 * so a time range reads few pages.
 */
export function byTimeThenId(a: EventRow, b: EventRow): number {
  const t = a.event.created_at - b.event.created_at;
  if (t !== 0) return t;
  return a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0;
}

/** The row of a storable event: a prepared event's columns are taken as they are. */
function eventRow(event: NostrEvent): EventRow {
  const prepared = preparedColumns(event);
  if (prepared === undefined) {
    return { event, tagvaluesLiteral: textArrayLiteral(tagValues(event.tags)) };
  }
  return { event, tagvaluesLiteral: prepared.tagvaluesLiteral, tagsJson: prepared.tagsJson };
}

/**
 * De-duplicates by id (first wins), rejects what cannot be stored, computes tagvalues, and
 * orders the rows by (created_at, id) (byTimeThenId).
 */
export function prepareEvents(events: readonly NostrEvent[]): {
  rows: EventRow[];
  rejected: RejectedEvent[];
} {
  const seen = new Set<string>();
  const rows: EventRow[] = [];
  const rejected: RejectedEvent[] = [];
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const reason = storageProblem(event);
    if (reason !== null) rejected.push({ id: event.id, reason });
    else rows.push(eventRow(event));
  }
  rows.sort(byTimeThenId);
  return { rows, rejected };
}

// Every insert of events also writes their ordered tag rows (event_tag, migration 000009) in
// the same statement: one row per tagvalues entry, keyed by its hash, from the rows actually
// inserted. An event's rows are deleted with it, so a new event has none yet: a plain INSERT
// (DISTINCT for two values of one event sharing a hash), cheaper than ON CONFLICT's
// speculative insertion. Each statement returns the new ids.
const WITH_TAGS = (insert: string) => `
  WITH added AS (${insert} ON CONFLICT (id) DO NOTHING RETURNING id, created_at, tagvalues),
  tagged AS (
    INSERT INTO event_tag (tag, created_at, event_id)
    SELECT DISTINCT hashtextextended(v, 0), a.created_at, a.id
    FROM added a CROSS JOIN unnest(a.tagvalues) AS v)
  SELECT id FROM added`;

const UNNEST_FULL = WITH_TAGS(`
  INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig)
  SELECT decode(u.id, 'hex'), decode(u.pubkey, 'hex'), u.created_at, u.kind,
         u.tagvalues::text[], u.tags::jsonb, u.content, decode(u.sig, 'hex')
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::text[],
              $7::text[], $8::text[])
       AS u(id, pubkey, created_at, kind, tagvalues, tags, content, sig)`);

const UNNEST_LIL = WITH_TAGS(`
  INSERT INTO event (id, pubkey, created_at, kind, tagvalues)
  SELECT decode(u.id, 'hex'), decode(u.pubkey, 'hex'), u.created_at, u.kind, u.tagvalues::text[]
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[])
       AS u(id, pubkey, created_at, kind, tagvalues)`);

function unnestParams(rows: readonly EventRow[], profile: Profile): unknown[] {
  const params: unknown[] = [
    rows.map((r) => r.event.id),
    rows.map((r) => r.event.pubkey),
    rows.map((r) => r.event.created_at),
    rows.map((r) => r.event.kind),
    rows.map((r) => r.tagvaluesLiteral),
  ];
  if (profile === "lilbrotr") return params;
  params.push(
    rows.map(tagsText),
    rows.map((r) => r.event.content),
    rows.map((r) => r.event.sig),
  );
  return params;
}

const UNNEST = { bigbrotr: UNNEST_FULL, lilbrotr: UNNEST_LIL } as const;

/** Writes prepared rows with one `unnest` statement; returns how many were new. */
export async function unnestEvents(
  db: Db,
  rows: readonly EventRow[],
  profile: Profile,
): Promise<number> {
  if (rows.length === 0) return 0;
  return affected(db, UNNEST[profile], unnestParams(rows, profile));
}

const STAGE = {
  bigbrotr: {
    create: `CREATE TEMP TABLE event_stage (id bytea, pubkey bytea, created_at bigint, kind int,
      tagvalues text[], tags jsonb, content text, sig bytea) ON COMMIT DROP`,
    insert:
      WITH_TAGS(`INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig)
      SELECT id, pubkey, created_at, kind, tagvalues, tags, content, sig FROM event_stage`),
  },
  lilbrotr: {
    create: `CREATE TEMP TABLE event_stage (id bytea, pubkey bytea, created_at bigint, kind int,
      tagvalues text[]) ON COMMIT DROP`,
    insert: WITH_TAGS(`INSERT INTO event (id, pubkey, created_at, kind, tagvalues)
      SELECT id, pubkey, created_at, kind, tagvalues FROM event_stage`),
  },
} as const;

/** One text-format COPY line of the stage table for the profile. */
export function eventCopyLine(row: EventRow, profile: Profile): string {
  const ev = row.event;
  const head = `${copyByteaHex(ev.id)}\t${copyByteaHex(ev.pubkey)}\t${ev.created_at}\t${ev.kind}\t${copyText(row.tagvaluesLiteral)}`;
  if (profile === "lilbrotr") return `${head}\n`;
  const tags = copyText(tagsText(row));
  return `${head}\t${tags}\t${copyText(ev.content)}\t${copyByteaHex(ev.sig)}\n`;
}

function* copyLinesOf(rows: readonly EventRow[], profile: Profile): Generator<string> {
  for (const row of rows) yield eventCopyLine(row, profile);
}

/**
 * Writes prepared rows by COPY into a temp table dropped at commit (so it works through
 * PgBouncer in transaction mode), then one INSERT … ON CONFLICT DO NOTHING. `client` must be
 * inside a transaction.
 */
export async function copyEvents(
  client: pg.ClientBase,
  rows: readonly EventRow[],
  profile: Profile,
): Promise<number> {
  if (rows.length === 0) return 0;
  return (await copyEventsReturning(client, rows, profile)).rowCount ?? 0;
}

async function copyEventsReturning(
  client: pg.ClientBase,
  rows: readonly EventRow[],
  profile: Profile,
): Promise<pg.QueryResult<{ id: Buffer }>> {
  const stage = STAGE[profile];
  await exec(client, stage.create);
  await copyLines(client, "COPY event_stage FROM STDIN", copyLinesOf(rows, profile));
  const result = await query<{ id: Buffer }>(client, stage.insert);
  await exec(client, "DROP TABLE event_stage");
  return result;
}

/**
 * Writes prepared rows, through COPY from `copyThreshold` rows and one `unnest` statement
 * below, and returns the ids (hex) of the rows that were new: their sightings cannot exist
 * yet (see writeNewSightings). `client` must be inside a transaction.
 */
export async function writeEventsReturningNew(
  client: pg.ClientBase,
  rows: readonly EventRow[],
  profile: Profile,
  copyThreshold = EVENT_COPY_THRESHOLD,
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const result =
    rows.length >= copyThreshold
      ? await copyEventsReturning(client, rows, profile)
      : await query<{ id: Buffer }>(client, UNNEST[profile], unnestParams(rows, profile));
  return new Set(result.rows.map((r) => r.id.toString("hex")));
}

/**
 * Inserts events, ignoring those already stored. Events PostgreSQL cannot store (NUL
 * character, lone surrogate, malformed hex) are returned in `rejected` and the rest of the
 * batch is written. lilbrotr keeps only id, pubkey, created_at, kind and tagvalues.
 */
export async function insertEvents(
  db: Db,
  events: readonly NostrEvent[],
  options: InsertEventsOptions,
): Promise<InsertEventsResult> {
  const { rows, rejected } = prepareEvents(events);
  const threshold = options.copyThreshold ?? EVENT_COPY_THRESHOLD;
  if (rows.length < threshold) {
    return { inserted: await unnestEvents(db, rows, options.profile), rejected };
  }
  const inserted = await transaction(db, (c) => copyEvents(c, rows, options.profile));
  return { inserted, rejected };
}

const ORPHAN_EVENTS: OrphanBatch = {
  pick: `SELECT e.id FROM event e
         WHERE NOT EXISTS (SELECT 1 FROM event_relay er WHERE er.event_id = e.id)
         LIMIT $1 FOR UPDATE OF e SKIP LOCKED`,
  remove: `DELETE FROM event e WHERE e.id = ANY($1::bytea[])
           AND NOT EXISTS (SELECT 1 FROM event_relay er WHERE er.event_id = e.id)`,
  params: (rows) => [rows.map((r) => r.id)],
  // Sightings have no foreign key whose lock would stop a writer from linking a picked
  // event: take the sightings lock exclusively first, so every writer in flight has committed
  // and `remove` (its snapshot taken after the lock) sees their sightings. The delete
  // trigger takes the same lock, but only after `remove` took its snapshot: too late.
  beforeRemove: `SELECT pg_advisory_xact_lock(${SIGHTINGS_LOCK_KEY})`,
};

/**
 * Deletes events no relay row references, batchSize per transaction; returns the count. A full
 * sweep of the archive: the refresher deletes only the candidates its statistics point at
 * (statistics/orphans.ts, through deleteUnsightedEvents).
 * @public tests and manual repair
 */
export async function deleteOrphanEvents(
  pool: pg.Pool,
  options: CleanupOptions = {},
): Promise<number> {
  return deleteInBatches(pool, ORPHAN_EVENTS, options);
}

/**
 * Deletes those of `ids` that no sighting refers to; returns how many. `client` must be inside
 * a transaction that holds the sightings lock exclusively (lockSightingsExclusive), taken
 * before anything that chose `ids`, as ORPHAN_EVENTS does: the statement then sees every
 * sighting committed by writers that were in flight.
 */
export async function deleteUnsightedEvents(
  client: pg.ClientBase,
  ids: readonly Buffer[],
): Promise<number> {
  if (ids.length === 0) return 0;
  return affected(
    client,
    `DELETE FROM event e WHERE e.id = ANY($1::bytea[])
     AND NOT EXISTS (SELECT 1 FROM event_relay er WHERE er.event_id = e.id)`,
    [ids],
  );
}
