import type pg from "pg";
import { affected, any, exec } from "./sql.js";
import { transaction } from "./transaction.js";

export interface CleanupOptions {
  /** Rows deleted per transaction (default 10,000). */
  batchSize?: number;
  /** Checked between batches; an aborted signal ends the loop with the count so far. */
  signal?: AbortSignal;
}

/**
 * One batch of an orphan delete, written by the table's owner. Why two statements: a writer
 * may commit a reference to a row after our first snapshot. `pick` locks candidates;
 * something then stops new references (the row lock itself where a foreign-key check needs a
 * KEY SHARE lock; `beforeRemove` otherwise), and `remove` runs with a new snapshot that sees
 * every reference committed before that, so a row that just became referenced is never
 * deleted (nor, through the cascade, its brand-new references).
 */
export interface OrphanBatch {
  /** Locks up to $1 unreferenced rows, skipping rows another transaction holds. */
  pick: string;
  /** Deletes the picked rows that are still unreferenced under a fresh snapshot. */
  remove: string;
  params(rows: pg.QueryResultRow[]): unknown[];
  /** Statement run between pick and remove. */
  beforeRemove?: string;
}

/** Runs `batch` until a batch deletes fewer than batchSize rows; returns the total. */
export async function deleteInBatches(
  pool: pg.Pool,
  batch: OrphanBatch,
  options: CleanupOptions,
): Promise<number> {
  const size = options.batchSize ?? 10_000;
  let total = 0;
  while (!options.signal?.aborted) {
    const deleted = await transaction(pool, async (client) => {
      const rows = await any(client, batch.pick, [size]);
      if (rows.length === 0) return 0;
      if (batch.beforeRemove) await exec(client, batch.beforeRemove);
      return affected(client, batch.remove, batch.params(rows));
    });
    total += deleted;
    if (deleted < size) break;
  }
  return total;
}
