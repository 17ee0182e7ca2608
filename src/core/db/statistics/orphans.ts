import type pg from "pg";
import type { CleanupOptions } from "../batched-delete.js";
import { lockSightingsExclusive } from "../event-relays.js";
import { deleteUnsightedEvents } from "../events.js";
import { any } from "../sql.js";
import { transaction } from "../transaction.js";

/**
 * The refresher's orphan-event cleanup. Its statistics note the events that may have no
 * sighting left (stats_orphan_candidate: events walked without a sighting in their chunk,
 * events that lost a sighting), so the cleanup costs what changed instead of a sweep of the
 * archive. Each batch takes candidates and deletes those still without a sighting; the
 * deletions are logged and the next cycle subtracts them.
 */
const TAKE = `
  DELETE FROM stats_orphan_candidate WHERE event_id IN (
    SELECT event_id FROM stats_orphan_candidate ORDER BY event_id LIMIT $1
    FOR UPDATE SKIP LOCKED)
  RETURNING event_id`;

/** Deletes orphaned candidates, batchSize (default 1,000) per transaction; returns how many. */
export async function deleteOrphanCandidates(
  pool: pg.Pool,
  options: CleanupOptions = {},
): Promise<number> {
  const size = options.batchSize ?? 1000;
  let total = 0;
  while (!options.signal?.aborted) {
    const { taken, deleted } = await transaction(pool, async (client) => {
      // First, so that no refresher chunk (which holds it shared, and may note a candidate
      // this transaction takes) waits on this one while it waits for the chunk.
      await lockSightingsExclusive(client);
      const rows = await any<{ event_id: Buffer }>(client, TAKE, [size]);
      const ids = rows.map((r) => r.event_id);
      return { taken: ids.length, deleted: await deleteUnsightedEvents(client, ids) };
    });
    total += deleted;
    if (taken < size) break;
  }
  return total;
}
