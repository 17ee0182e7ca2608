import type { Db } from "../pool.js";
import { exec } from "../sql.js";

/**
 * The rolling windows of event_stats: counted events with created_at in [now − w, now] for w =
 * 1 h, 24 h, 7 d, 30 d, exact to the second. The hours the window covers come from stats_hour;
 * the parts of its first and last hour outside the window are counted from event's time index
 * (at most an hour of events each), among the counted events only ($2 = watermark).
 */
const WINDOWS = `
  WITH w(span) AS (VALUES (3600), (86400), (604800), (2592000)),
  t AS (SELECT $1::bigint AS now),
  -- counted events after now in now's hour
  ahead AS (
    SELECT count(*) AS n FROM event, t
    WHERE created_at > t.now AND created_at < (t.now / 3600 + 1) * 3600
      AND stored_xid < $2::text::xid8
  ),
  counts AS (
    SELECT w.span,
      (SELECT coalesce(sum(h.event_count), 0) FROM stats_hour h
        WHERE h.hour BETWEEN (t.now - w.span) / 3600 AND t.now / 3600)
      - (SELECT count(*) FROM event e
          WHERE e.created_at >= (t.now - w.span) / 3600 * 3600 AND e.created_at < t.now - w.span
            AND e.stored_xid < $2::text::xid8)
      - ahead.n AS n
    FROM w, t, ahead
  )
  UPDATE stats_event SET refreshed_at = $1,
    count_1h = (SELECT n FROM counts WHERE span = 3600),
    count_24h = (SELECT n FROM counts WHERE span = 86400),
    count_7d = (SELECT n FROM counts WHERE span = 604800),
    count_30d = (SELECT n FROM counts WHERE span = 2592000)`;

/** Measures the rolling windows at `now` (unix seconds) and marks the statistics refreshed. */
export async function measureWindows(db: Db, now: number, watermark: string): Promise<void> {
  await exec(db, WINDOWS, [now, watermark]);
}
