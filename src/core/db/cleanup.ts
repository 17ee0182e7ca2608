import type pg from "pg";
import { SIGHTINGS_LOCK_KEY } from "./event-relays.js";
import { affected } from "./sql.js";
import { transaction } from "./transaction.js";

export interface CleanupOptions {
  /** Rows deleted per transaction (default 10,000). */
  batchSize?: number;
  /** Checked between batches; an aborted signal ends the loop with the count so far. */
  signal?: AbortSignal;
}

interface Batch {
  /** Locks up to $1 unreferenced rows, skipping rows another transaction holds. */
  pick: string;
  /** Deletes the picked rows that are still unreferenced under a fresh snapshot. */
  remove: string;
  params(rows: pg.QueryResultRow[]): unknown[];
  /** Statement run between pick and remove (orphan events: the sightings lock). */
  beforeRemove?: string;
}

// Why two statements: a writer may commit a reference to a row after our first snapshot.
// `pick` locks candidates; something then stops new references (for metadata the row lock
// itself, since the foreign-key check of a new reference needs a KEY SHARE lock; for events
// the sightings lock, see beforeRemove), and `remove` runs with a new snapshot that sees every
// reference committed before that, so a row that just became referenced is never deleted
// (nor, through the cascade, its brand-new references).
const ORPHAN_EVENTS: Batch = {
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

const ORPHAN_METADATA: Batch = {
  pick: `SELECT m.id, m.type FROM metadata m
         WHERE NOT EXISTS (SELECT 1 FROM relay_metadata rm
                           WHERE rm.metadata_id = m.id AND rm.metadata_type = m.type)
         LIMIT $1 FOR UPDATE OF m SKIP LOCKED`,
  remove: `DELETE FROM metadata m USING unnest($1::bytea[], $2::text[]) AS d(id, type)
           WHERE m.id = d.id AND m.type = d.type
             AND NOT EXISTS (SELECT 1 FROM relay_metadata rm
                             WHERE rm.metadata_id = m.id AND rm.metadata_type = m.type)`,
  params: (rows) => [rows.map((r) => r.id), rows.map((r) => r.type)],
};

async function deleteInBatches(
  pool: pg.Pool,
  batch: Batch,
  options: CleanupOptions,
): Promise<number> {
  const size = options.batchSize ?? 10_000;
  let total = 0;
  while (!options.signal?.aborted) {
    const deleted = await transaction(pool, async (client) => {
      const { rows } = await client.query(batch.pick, [size]);
      if (rows.length === 0) return 0;
      if (batch.beforeRemove) await client.query(batch.beforeRemove);
      return affected(client, batch.remove, batch.params(rows));
    });
    total += deleted;
    if (deleted < size) break;
  }
  return total;
}

/** Deletes events no relay row references, batchSize per transaction; returns the count. */
export async function deleteOrphanEvents(
  pool: pg.Pool,
  options: CleanupOptions = {},
): Promise<number> {
  return deleteInBatches(pool, ORPHAN_EVENTS, options);
}

/** Deletes metadata documents no snapshot references, in batches; returns the count. */
export async function deleteOrphanMetadata(
  pool: pg.Pool,
  options: CleanupOptions = {},
): Promise<number> {
  return deleteInBatches(pool, ORPHAN_METADATA, options);
}
