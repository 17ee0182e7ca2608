/**
 * The monitor's coverage as `bigbrotr status` shows it: relays checked (a checkpoint in
 * service_state), how recently, and what their newest rtt check said (relay_metadata_latest_idx
 * finds it per relay).
 */
import type { Db } from "../pool.js";
import { MONITOR } from "../service-state/services.js";
import { one } from "../sql.js";

export interface MonitorStatus {
  /** Relays on any network. */
  relays: number;
  /** Relays with a checkpoint (checked at least once). */
  checked: number;
  /** Checked within `recentWithin` seconds of now. */
  recent: number;
  /** Newest rtt check opened a connection / answered a read. */
  up: number;
  readable: number;
  /** The least recent check (unix seconds), null when none. */
  oldestCheck: number | null;
}

export async function readMonitorStatus(
  db: Db,
  options: { now: number; recentWithin: number },
): Promise<MonitorStatus> {
  const row = await one<Record<keyof MonitorStatus, string | null>>(
    db,
    `SELECT count(*) AS relays, count(c.t) AS checked,
       count(*) FILTER (WHERE c.t >= $1) AS recent,
       count(*) FILTER (WHERE jsonb_typeof(rtt.d -> 'rtt_open') = 'number') AS up,
       count(*) FILTER (WHERE jsonb_typeof(rtt.d -> 'rtt_read') = 'number') AS readable,
       min(c.t) AS "oldestCheck"
     FROM relay r
     LEFT JOIN LATERAL (
       SELECT (state_value ->> 'timestamp')::bigint AS t FROM service_state
       WHERE service_name = $2 AND state_type = 'checkpoint' AND state_key = r.url
     ) c ON true
     LEFT JOIN LATERAL (
       SELECT m.data -> 'data' AS d FROM relay_metadata rm
       JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
       WHERE rm.relay_id = r.id AND rm.metadata_type = 'nip66_rtt'
       ORDER BY rm.generated_at DESC LIMIT 1
     ) rtt ON true`,
    [options.now - options.recentWithin, MONITOR],
  );
  return {
    relays: Number(row.relays),
    checked: Number(row.checked),
    recent: Number(row.recent),
    up: Number(row.up),
    readable: Number(row.readable),
    oldestCheck: row.oldestCheck === null ? null : Number(row.oldestCheck),
  };
}
