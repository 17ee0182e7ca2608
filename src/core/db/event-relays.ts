import type pg from "pg";
import type { EventRelay } from "../../models/event-relay.js";
import { copyByteaHex, copyLines } from "./copy.js";
import { ForeignKeyViolation } from "./errors.js";
import type { Db } from "./pool.js";
import { relayIdsByUrl } from "./relays.js";
import { affected, any, exec, uniqueBy } from "./sql.js";
import { transaction } from "./transaction.js";

/**
 * Sightings (`event_relay`) have no per-row foreign keys; this module is their only writer and
 * keeps them whole set-based (docs/database.md, "Integrity of sightings"):
 * - a writer holds SIGHTINGS_LOCK_KEY shared for its whole transaction, and writes sightings
 *   only for events of that transaction or verified in it, and for relay ids verified in it;
 * - deleting relays or events takes the lock exclusively (a trigger of migration 000005), so
 *   it waits for writers in flight, blocks new ones, and then deletes their sightings.
 */
export const SIGHTINGS_LOCK_KEY = "7425146731800191322";

/** Takes the sightings lock shared until the end of the client's transaction. */
export async function lockSightingsShared(client: Db): Promise<void> {
  await exec(client, `SELECT pg_advisory_xact_lock_shared(${SIGHTINGS_LOCK_KEY})`);
}

/**
 * Takes the sightings lock exclusively until the end of the client's transaction, as deletes
 * of events, relays and sightings do (their triggers take it too, but only once the statement
 * has its snapshot: a delete whose condition reads the sightings takes it first).
 */
export async function lockSightingsExclusive(client: Db): Promise<void> {
  await exec(client, `SELECT pg_advisory_xact_lock(${SIGHTINGS_LOCK_KEY})`);
}

/**
 * Batches of at least this many rows go through COPY into a temp table. Sightings are small,
 * so unnest costs no more CPU than COPY up to about 5,000 rows (BENCHMARKS.md "Database");
 * above that COPY streams instead of building one huge parameter message.
 */
export const EVENT_RELAY_COPY_THRESHOLD = 5000;

/** A sighting with its relay resolved to an id. */
export interface SightingRow {
  eventId: string;
  relayId: number;
  seenAt: number;
}

const rowKey = (r: SightingRow) => `${r.eventId}${r.relayId}`;

/** Event id, then relay id: a total order, so concurrent writers lock rows in one order. */
function sightingOrder(a: SightingRow, b: SightingRow): number {
  if (a.eventId !== b.eventId) return a.eventId < b.eventId ? -1 : 1;
  return a.relayId - b.relayId;
}

/** The first row of each (event, relay) pair, in key order (one lock order for all writers). */
export function uniqueSightings(rows: readonly SightingRow[]): SightingRow[] {
  return uniqueBy(rows, rowKey).sort(sightingOrder);
}

const UNNEST = `
  INSERT INTO event_relay (event_id, relay_id, seen_at)
  SELECT decode(u.event_id, 'hex'), u.relay_id, u.seen_at
  FROM unnest($1::text[], $2::int[], $3::bigint[]) AS u(event_id, relay_id, seen_at)
  ON CONFLICT (event_id, relay_id) DO NOTHING`;

async function unnestSightings(db: Db, rows: readonly SightingRow[]): Promise<number> {
  return affected(db, UNNEST, [
    rows.map((r) => r.eventId),
    rows.map((r) => r.relayId),
    rows.map((r) => r.seenAt),
  ]);
}

function* linesOf(rows: readonly SightingRow[]): Generator<string> {
  for (const r of rows) yield `${copyByteaHex(r.eventId)}\t${r.relayId}\t${r.seenAt}\n`;
}

async function copySightings(client: pg.ClientBase, rows: readonly SightingRow[]) {
  await exec(
    client,
    "CREATE TEMP TABLE event_relay_stage (event_id bytea, relay_id int, seen_at bigint) ON COMMIT DROP",
  );
  await copyLines(client, "COPY event_relay_stage FROM STDIN", linesOf(rows));
  const inserted = await affected(
    client,
    `INSERT INTO event_relay (event_id, relay_id, seen_at)
     SELECT event_id, relay_id, seen_at FROM event_relay_stage
     ON CONFLICT (event_id, relay_id) DO NOTHING`,
  );
  await exec(client, "DROP TABLE event_relay_stage");
  return inserted;
}

/**
 * Writes unique sightings (unnest below `copyThreshold` rows, COPY from it); returns how many
 * were new. The caller's transaction holds the sightings lock, and every event and relay id
 * in `rows` exists in it: archiveEvents and insertEventRelays are the callers.
 */
export async function writeSightings(
  client: pg.ClientBase,
  rows: readonly SightingRow[],
  copyThreshold = EVENT_RELAY_COPY_THRESHOLD,
): Promise<number> {
  if (rows.length === 0) return 0;
  return rows.length >= copyThreshold ? copySightings(client, rows) : unnestSightings(client, rows);
}

/**
 * COPYs sightings straight into event_relay, without a stage table or conflict check: only
 * for sightings of events that the caller's transaction has just inserted. None of those can
 * exist yet: a sighting needs its event, and no other transaction can see (so link) an event
 * before this one commits; a concurrent insert of the same event waits for this one.
 */
export async function writeNewSightings(
  client: pg.ClientBase,
  rows: readonly SightingRow[],
): Promise<number> {
  if (rows.length === 0) return 0;
  return copyLines(
    client,
    "COPY event_relay (event_id, relay_id, seen_at) FROM STDIN",
    linesOf(rows),
  );
}

/** Ids (hex) among `ids` that have no event row. */
async function missingEvents(db: Db, ids: readonly string[]): Promise<string[]> {
  const rows = await any<{ id: string }>(
    db,
    // One pruned index probe per id (see read/events.ts STORED_IDS_SQL), not an anti-join
    // over every partition.
    `SELECT u.id FROM unnest($1::text[]) AS u(id)
     LEFT JOIN LATERAL (SELECT 1 AS found FROM event e WHERE e.id = decode(u.id, 'hex') LIMIT 1)
       AS hit ON true
     WHERE hit.found IS NULL`,
    [[...new Set(ids)]],
  );
  return rows.map((r) => r.id);
}

function violation(what: string, items: readonly string[]): ForeignKeyViolation {
  const shown = items.slice(0, 5).join(", ");
  const more = items.length > 5 ? ` and ${items.length - 5} more` : "";
  return new ForeignKeyViolation(`sightings refer to ${what}: ${shown}${more}`, "23503");
}

/**
 * Inserts sightings of events that are already archived (first row of each pair wins),
 * ignoring those already stored; returns how many were new. Throws ForeignKeyViolation, and
 * writes nothing, when an event or a relay does not exist (see archiveEvents to store events,
 * relays and sightings together).
 */
export async function insertEventRelays(
  db: Db,
  rows: readonly EventRelay[],
  options: { copyThreshold?: number } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  return transaction(db, async (client) => {
    await lockSightingsShared(client);
    const ids = await relayIdsByUrl(
      client,
      rows.map((r) => r.relayUrl),
    );
    const unknown = [...new Set(rows.map((r) => r.relayUrl))].filter((u) => !ids.has(u));
    if (unknown.length > 0) throw violation("unknown relays", unknown);
    const absent = await missingEvents(
      client,
      rows.map((r) => r.eventId),
    );
    if (absent.length > 0) throw violation("missing events", absent);
    const resolved = rows.map((r) => ({
      eventId: r.eventId,
      relayId: ids.get(r.relayUrl) as number,
      seenAt: r.seenAt,
    }));
    return writeSightings(client, uniqueSightings(resolved), options.copyThreshold);
  });
}
