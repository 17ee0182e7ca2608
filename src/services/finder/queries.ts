import type { Db } from "../../core/db/pool.js";
import type { ScannedEvent } from "./extract.js";

export const FINDER = "finder";
/** state_key of the one event cursor (state_type 'cursor'). */
export const EVENT_CURSOR_KEY = "events";

/** Position in the global walk of first sightings: (seen_at, event id). */
export interface EventCursor {
  seenAt: number;
  /** Lower-case hex; "" before the first event. */
  id: string;
  /** Kinds scanned so far (null = all); events of other kinds before the cursor were skipped. */
  kinds: readonly number[] | null;
}

export interface ScannedRow extends ScannedEvent {
  seenAt: number;
  id: string;
}

export interface ScanOptions {
  after: EventCursor;
  /** Only sightings with seen_at ≤ until. */
  until: number;
  limit: number;
  kinds: readonly number[] | null;
  /** Content of kinds 2/3 above this many bytes is not fetched (contentTooLarge instead). */
  maxContentBytes: number;
}

interface EventRow {
  seen_at: number;
  id: string;
  kind: number;
  tags: unknown;
  tagvalues: string[] | null;
  content: string | null;
  content_too_large: boolean;
}

/*
 * One global walk over events by (first_seen_at, id): first_seen_at is the earliest seen_at
 * of the sightings an event was first stored with, so an event stored from five relays is
 * read once, not five times as with the original's per-relay cursors, and no sighting is
 * read at all. The index on event (first_seen_at) gives the order; ties within one second
 * are sorted by id (incremental sort). `until` (now − settle_time) keeps the walk clear of
 * archive transactions that have not committed yet.
 */
const SCAN = `
  SELECT e.first_seen_at AS seen_at, encode(e.id, 'hex') AS id, e.kind, e.tags,
         CASE WHEN e.tags IS NULL THEN e.tagvalues END AS tagvalues,
         CASE WHEN e.kind IN (2, 3) AND octet_length(e.content) <= $5 THEN e.content END AS content,
         coalesce(e.kind IN (2, 3) AND octet_length(e.content) > $5, false) AS content_too_large
  FROM event e
  WHERE e.first_seen_at >= $1 AND (e.first_seen_at > $1 OR e.id > decode($2, 'hex'))
    AND e.first_seen_at <= $3
    AND ($6::int[] IS NULL OR e.kind = ANY($6::int[]))
  ORDER BY e.first_seen_at, e.id
  LIMIT $4`;

/** The next page of first sightings after the cursor, oldest first. */
export async function scanEvents(db: Db, options: ScanOptions): Promise<ScannedRow[]> {
  const { rows } = await db.query<EventRow>(SCAN, [
    options.after.seenAt,
    options.after.id,
    options.until,
    options.limit,
    options.maxContentBytes,
    options.kinds,
  ]);
  return rows.map((r) => ({
    seenAt: r.seen_at,
    id: r.id,
    kind: r.kind,
    tags: r.tags,
    tagvalues: r.tagvalues,
    content: r.content,
    contentTooLarge: r.content_too_large,
  }));
}

function asKinds(value: unknown): readonly number[] | null {
  return Array.isArray(value) && value.every((k) => Number.isInteger(k)) ? value : null;
}

/** The stored cursor, or null when there is none (or it is not one of ours). */
export async function readEventCursor(db: Db): Promise<EventCursor | null> {
  const { rows } = await db.query<{ state_value: Record<string, unknown> }>(
    `SELECT state_value FROM service_state
     WHERE service_name = $1 AND state_type = 'cursor' AND state_key = $2`,
    [FINDER, EVENT_CURSOR_KEY],
  );
  const value = rows[0]?.state_value;
  if (value === undefined) return null;
  const { timestamp, id } = value;
  if (typeof timestamp !== "number" || typeof id !== "string" || !/^[0-9a-f]*$/.test(id)) {
    return null;
  }
  return { seenAt: timestamp, id, kinds: asKinds(value.kinds) };
}

export async function writeEventCursor(db: Db, cursor: EventCursor, now: number): Promise<void> {
  const value = { timestamp: cursor.seenAt, id: cursor.id, kinds: cursor.kinds };
  await upsertState(db, "cursor", EVENT_CURSOR_KEY, value, now);
}

/** Last successful fetch time per API source URL. */
export async function readSourceCheckpoints(db: Db): Promise<Map<string, number>> {
  const { rows } = await db.query<{ state_key: string; ts: number | null }>(
    `SELECT state_key, (state_value ->> 'timestamp')::bigint AS ts FROM service_state
     WHERE service_name = $1 AND state_type = 'checkpoint' AND state_key ~ '^https?://'
       AND jsonb_typeof(state_value -> 'timestamp') = 'number'`,
    [FINDER],
  );
  return new Map(rows.flatMap((r) => (r.ts === null ? [] : [[r.state_key, r.ts] as const])));
}

export async function writeSourceCheckpoint(db: Db, url: string, now: number): Promise<void> {
  await upsertState(db, "checkpoint", url, { timestamp: now }, now);
}

/**
 * Drops checkpoints of API sources that are no longer configured (keys that are http(s) URLs;
 * other checkpoints, such as the runtime's `last_cycle`, are left alone) and every cursor but
 * the event cursor (e.g. per-relay cursors imported from the original). Returns the count.
 */
export async function deleteStaleState(
  db: Db,
  configuredSources: readonly string[],
): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM service_state
     WHERE service_name = $1
       AND ((state_type = 'checkpoint' AND state_key ~ '^https?://' AND state_key <> ALL($2::text[]))
         OR (state_type = 'cursor' AND state_key <> $3))`,
    [FINDER, configuredSources, EVENT_CURSOR_KEY],
  );
  return rowCount ?? 0;
}

async function upsertState(
  db: Db,
  type: "cursor" | "checkpoint",
  key: string,
  value: object,
  now: number,
): Promise<void> {
  await db.query(
    `INSERT INTO service_state (service_name, state_type, state_key, state_value, updated_at)
     VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT (service_name, state_type, state_key)
     DO UPDATE SET state_value = EXCLUDED.state_value, updated_at = EXCLUDED.updated_at`,
    [FINDER, type, key, JSON.stringify(value), now],
  );
}
