import type pg from "pg";
import type { EventRelay } from "../../models/event-relay.js";
import { copyByteaHex, copyLines, copyText } from "./copy.js";
import type { Queryable } from "./pool.js";
import { affected, compareBy, inTransaction, type TxCapable, uniqueBy } from "./sql.js";

/**
 * Batches of at least this many rows go through COPY into a temp table. Sightings are small,
 * so unnest costs no more CPU than COPY up to about 5,000 rows (BENCHMARKS.md "Database");
 * above that COPY streams instead of building one huge parameter message.
 */
export const EVENT_RELAY_COPY_THRESHOLD = 5000;

const pairKey = (r: EventRelay) => `${r.eventId} ${r.relayUrl}`;

/** The first row of each (event, relay) pair, in key order (one lock order for all writers). */
export function uniqueEventRelays(rows: readonly EventRelay[]): EventRelay[] {
  return uniqueBy(rows, pairKey).sort(compareBy(pairKey));
}

const UNNEST = `
  INSERT INTO event_relay (event_id, relay_url, seen_at)
  SELECT decode(u.event_id, 'hex'), u.relay_url, u.seen_at
  FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(event_id, relay_url, seen_at)
  ON CONFLICT (event_id, relay_url) DO NOTHING`;

/** Writes unique rows with one `unnest` statement; returns how many were new. */
export async function unnestEventRelays(
  db: Queryable,
  rows: readonly EventRelay[],
): Promise<number> {
  if (rows.length === 0) return 0;
  return affected(db, UNNEST, [
    rows.map((r) => r.eventId),
    rows.map((r) => r.relayUrl),
    rows.map((r) => r.seenAt),
  ]);
}

function* linesOf(rows: readonly EventRelay[]): Generator<string> {
  for (const r of rows) yield `${copyByteaHex(r.eventId)}\t${copyText(r.relayUrl)}\t${r.seenAt}\n`;
}

/** Writes unique rows by COPY into a temp table, then INSERT … ON CONFLICT DO NOTHING. */
export async function copyEventRelays(
  client: pg.PoolClient,
  rows: readonly EventRelay[],
): Promise<number> {
  if (rows.length === 0) return 0;
  await client.query(
    "CREATE TEMP TABLE event_relay_stage (event_id bytea, relay_url text, seen_at bigint) ON COMMIT DROP",
  );
  await copyLines(client, "COPY event_relay_stage FROM STDIN", linesOf(rows));
  const inserted = await affected(
    client,
    `INSERT INTO event_relay (event_id, relay_url, seen_at)
     SELECT event_id, relay_url, seen_at FROM event_relay_stage
     ON CONFLICT (event_id, relay_url) DO NOTHING`,
  );
  await client.query("DROP TABLE event_relay_stage");
  return inserted;
}

/**
 * Inserts event/relay sightings (first row of each pair wins), ignoring those already
 * stored. Every event and relay must exist already (see archiveEvents for the cascade).
 */
export async function insertEventRelays(
  db: TxCapable,
  rows: readonly EventRelay[],
  options: { copyThreshold?: number } = {},
): Promise<number> {
  const unique = uniqueEventRelays(rows);
  if (unique.length < (options.copyThreshold ?? EVENT_RELAY_COPY_THRESHOLD)) {
    return unnestEventRelays(db, unique);
  }
  return inTransaction(db, (c) => copyEventRelays(c, unique));
}
