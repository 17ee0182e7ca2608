import type { Db } from "../pool.js";
import { exec, maybeOne, one } from "../sql.js";

/**
 * stats_progress, the one row of the refresher's progress: the watermark (every event and
 * sighting stored by a transaction below it is counted, none at or above it) and how far the
 * check history is downsampled. The key of the statistics lock is the one statistics_rebuild()
 * (migration 000008) takes.
 */
export const STATISTICS_LOCK_KEY = "7425146731800191323";

/**
 * Takes the statistics lock for the caller's transaction, unless another refresher holds it
 * (false): refreshers never wait for each other, one of them works and the others skip.
 */
export async function tryLockStatistics(db: Db): Promise<boolean> {
  const row = await one<{ locked: boolean }>(
    db,
    `SELECT pg_try_advisory_xact_lock(${STATISTICS_LOCK_KEY}) AS locked`,
  );
  return row.locked;
}

/** The watermark (xid8 as decimal text), its row locked until the transaction ends. */
export async function lockWatermark(db: Db): Promise<string> {
  const row = await one<{ watermark: string }>(
    db,
    "SELECT watermark::text AS watermark FROM stats_progress FOR UPDATE",
  );
  return row.watermark;
}

export async function setWatermark(db: Db, watermark: string): Promise<void> {
  await exec(db, "UPDATE stats_progress SET watermark = $1::text::xid8", [watermark]);
}

/** The oldest transaction still running (xid8 text): no row below it can still appear. */
export async function oldestRunning(db: Db): Promise<string> {
  const row = await one<{ xmin: string }>(
    db,
    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin",
  );
  return row.xmin;
}

export interface StatisticsLag {
  /**
   * Events and sightings stored at or above the watermark, not counted yet (each counted up
   * to LAG_CAP): what the next cycle takes in, or what an old open transaction holds back.
   */
  pendingRows: number;
  /** When the last cycle measured the rolling windows (unix seconds), null before it. */
  refreshedAt: number | null;
}

/** Most pending rows of each table counted (past it the figure only says "far behind"). */
export const LAG_CAP = 1_000_000;

const pending = (table: string) => `(SELECT count(*) FROM (SELECT 1 FROM ${table}
  WHERE stored_xid >= p.watermark LIMIT ${LAG_CAP}) s)`;

/** How far the statistics are behind the archive (`bigbrotr status`, the refresher's metrics). */
export async function statisticsLag(db: Db): Promise<StatisticsLag> {
  const row = await maybeOne<{ pending: number; refreshed_at: number | null }>(
    db,
    `SELECT ${pending("event")} + ${pending("event_relay")} AS pending,
       (SELECT refreshed_at FROM stats_event) AS refreshed_at
     FROM stats_progress p`,
  );
  return { pendingRows: row?.pending ?? 0, refreshedAt: row?.refreshed_at ?? null };
}

/** The time before which the check history is already downsampled (null: never). */
export async function historyKeptUntil(db: Db): Promise<number | null> {
  const row = await one<{ until: number | null }>(
    db,
    "SELECT history_kept_until AS until FROM stats_progress",
  );
  return row.until;
}

export async function setHistoryKeptUntil(db: Db, until: number): Promise<void> {
  await exec(db, "UPDATE stats_progress SET history_kept_until = $1", [until]);
}
