import type { Db } from "../pool.js";
import { upsertServiceState } from "./rows.js";

/**
 * Key under which the runtime records each service's last cycle: a `checkpoint` row of the
 * service, value `{ at, ok, duration_ms, consecutive_failures, error?, report? }`
 * (read back by read/service-status.ts).
 */
export const LAST_CYCLE_KEY = "last_cycle";

/** What a finished cycle reports (core/service.ts CycleOutcome fits). */
export interface CycleResult {
  ok: boolean;
  durationMs: number;
  error?: Error;
  report?: Record<string, unknown>;
}

/** Longest error message kept. */
const MAX_ERROR_LENGTH = 500;

/** Records a service's last cycle (one row per service, replaced each time). */
export async function recordLastCycle(
  db: Db,
  service: string,
  outcome: CycleResult,
  consecutiveFailures: number,
  now: number,
): Promise<void> {
  const stateValue = {
    at: now,
    ok: outcome.ok,
    duration_ms: outcome.durationMs,
    consecutive_failures: consecutiveFailures,
    ...(outcome.error ? { error: outcome.error.message.slice(0, MAX_ERROR_LENGTH) } : {}),
    ...(outcome.report ? { report: outcome.report } : {}),
  };
  await upsertServiceState(
    db,
    [{ serviceName: service, stateType: "checkpoint", stateKey: LAST_CYCLE_KEY, stateValue }],
    { now },
  );
}
