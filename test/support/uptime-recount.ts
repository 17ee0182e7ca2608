/**
 * The uptime rollup (relay_uptime, migration 000012) counted again from the raw check history,
 * in plain SQL written apart from the migration's triggers: per relay and UTC day of
 * generated_at, the nip66_rtt checks, those with a numeric rtt_open ("up"), and both per hour
 * of the day. `relayUptimeMismatches` is how many rows differ (0 when exact); tests and
 * bench:scale use it.
 */
import type pg from "pg";

export const RELAY_UPTIME_RECOUNT = `
  WITH c AS (
    SELECT rm.relay_id, (rm.generated_at / 86400)::integer AS day,
      (rm.generated_at % 86400 / 3600)::integer AS hour,
      coalesce(jsonb_typeof(m.data -> 'data' -> 'rtt_open') = 'number', false) AS up
    FROM relay_metadata rm JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
    WHERE rm.metadata_type = 'nip66_rtt' AND rm.generated_at BETWEEN 0 AND 253402300799
  ), h AS (
    SELECT relay_id, day, hour, count(*) AS n, count(*) FILTER (WHERE up) AS u
    FROM c GROUP BY 1, 2, 3
  ), every_hour AS (
    SELECT k.relay_id, k.day, g.hour, coalesce(h.n, 0) AS n, coalesce(h.u, 0) AS u
    FROM (SELECT DISTINCT relay_id, day FROM h) k
    CROSS JOIN generate_series(0, 23) AS g(hour)
    LEFT JOIN h ON h.relay_id = k.relay_id AND h.day = k.day AND h.hour = g.hour
  ), through AS (
    SELECT relay_id, day, hour, sum(n) OVER w AS n, sum(u) OVER w AS u
    FROM every_hour WINDOW w AS (PARTITION BY relay_id, day ORDER BY hour)
  )
  SELECT relay_id, day, max(n)::integer AS checks, max(u)::integer AS up,
    array_agg(n::integer ORDER BY hour) AS hour_checks,
    array_agg(u::integer ORDER BY hour) AS hour_up
  FROM through GROUP BY relay_id, day`;

const ROLLUP = "SELECT relay_id, day, checks, up, hour_checks, hour_up FROM relay_uptime";

/** Rows of relay_uptime and of its recount that the other lacks (0 when the rollup is exact). */
export async function relayUptimeMismatches(db: Pick<pg.Pool, "query">): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       (${ROLLUP} EXCEPT ALL (${RELAY_UPTIME_RECOUNT}))
       UNION ALL
       ((${RELAY_UPTIME_RECOUNT}) EXCEPT ALL ${ROLLUP})
     ) d`,
  );
  return rows[0]?.n ?? 0;
}
