import type { Db } from "../../core/db/pool.js";
import type { CycleOutcome } from "../../core/service.js";

/** Key under which the runtime records each service's last cycle (read by `bigbrotr status`). */
export const LAST_CYCLE_KEY = "last_cycle";

export interface LastCycle {
  service: string;
  at: number;
  ok: boolean;
  durationMs: number;
  consecutiveFailures: number;
  error?: string;
  report?: Record<string, unknown>;
}

export async function recordLastCycle(
  db: Db,
  service: string,
  outcome: CycleOutcome,
  consecutiveFailures: number,
  now: number,
): Promise<void> {
  const value = {
    at: now,
    ok: outcome.ok,
    duration_ms: outcome.durationMs,
    consecutive_failures: consecutiveFailures,
    ...(outcome.error ? { error: outcome.error.message.slice(0, 500) } : {}),
    ...(outcome.report ? { report: outcome.report } : {}),
  };
  await db.query(
    `INSERT INTO service_state (service_name, state_type, state_key, state_value, updated_at)
     VALUES ($1, 'checkpoint', $2, $3, $4)
     ON CONFLICT (service_name, state_type, state_key)
     DO UPDATE SET state_value = EXCLUDED.state_value, updated_at = EXCLUDED.updated_at`,
    [service, LAST_CYCLE_KEY, JSON.stringify(value), now],
  );
}

export async function readLastCycles(db: Db): Promise<LastCycle[]> {
  const { rows } = await db.query<{ service_name: string; state_value: Record<string, unknown> }>(
    `SELECT service_name, state_value FROM service_state
     WHERE state_type = 'checkpoint' AND state_key = $1 ORDER BY service_name`,
    [LAST_CYCLE_KEY],
  );
  return rows.map((r) => {
    const v = r.state_value;
    const cycle: LastCycle = {
      service: r.service_name,
      at: Number(v.at),
      ok: v.ok === true,
      durationMs: Number(v.duration_ms),
      consecutiveFailures: Number(v.consecutive_failures ?? 0),
    };
    if (typeof v.error === "string") cycle.error = v.error;
    if (v.report && typeof v.report === "object")
      cycle.report = v.report as Record<string, unknown>;
    return cycle;
  });
}
