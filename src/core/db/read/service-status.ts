import type { Db } from "../pool.js";
import { LAST_CYCLE_KEY } from "../service-state/last-cycle.js";
import { any } from "../sql.js";

/** The last cycle of one service, as the runtime recorded it (service-state/last-cycle.ts). */
export interface LastCycle {
  service: string;
  /** Unix seconds when the cycle ended. */
  at: number;
  ok: boolean;
  durationMs: number;
  consecutiveFailures: number;
  error?: string;
  report?: Record<string, unknown>;
}

function toLastCycle(service: string, v: Record<string, unknown>): LastCycle {
  const cycle: LastCycle = {
    service,
    at: Number(v.at),
    ok: v.ok === true,
    durationMs: Number(v.duration_ms),
    consecutiveFailures: Number(v.consecutive_failures ?? 0),
  };
  if (typeof v.error === "string") cycle.error = v.error;
  if (v.report && typeof v.report === "object") cycle.report = v.report as Record<string, unknown>;
  return cycle;
}

/** The last cycle of every service that recorded one, by service name. */
export async function readLastCycles(db: Db): Promise<LastCycle[]> {
  const rows = await any<{ service_name: string; state_value: Record<string, unknown> }>(
    db,
    `SELECT service_name, state_value FROM service_state
     WHERE state_type = 'checkpoint' AND state_key = $1 ORDER BY service_name`,
    [LAST_CYCLE_KEY],
  );
  return rows.map((r) => toLastCycle(r.service_name, r.state_value));
}
