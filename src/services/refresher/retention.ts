import type { Db } from "../../core/db/pool.js";
import { type HistoryPolicy, thinRelayMetadata } from "../../core/db/relay-metadata.js";
import { historyKeptUntil, setHistoryKeptUntil } from "../../core/db/statistics/progress.js";

const DAY = 86_400;

export interface HistoryRetention {
  keepDays: number;
  policy: HistoryPolicy;
  batchSize: number;
}

/**
 * Thins the check history older than `keepDays` whole UTC days before `now`. Downsampling
 * resumes where the last run stopped (stats_progress.history_kept_until), so each run only
 * reads the days that aged past the horizon since; dropping reads from the start, which holds
 * at most one snapshot per relay and type once dropped. Returns the rows deleted.
 */
export async function applyHistoryRetention(
  db: Db,
  retention: HistoryRetention,
  now: number,
  signal: AbortSignal,
): Promise<number> {
  const before = Math.floor((now - retention.keepDays * DAY) / DAY) * DAY;
  const from = retention.policy === "drop" ? 0 : ((await historyKeptUntil(db)) ?? 0);
  if (from >= before) return 0;
  const deleted = await thinRelayMetadata(db, {
    policy: retention.policy,
    from,
    before,
    batchSize: retention.batchSize,
    signal,
  });
  if (!signal.aborted) await setHistoryKeptUntil(db, before);
  return deleted;
}
