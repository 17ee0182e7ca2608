import type { Db } from "../pool.js";
import { any } from "../sql.js";
import { upsertServiceState } from "./rows.js";

/**
 * Each service's last cycle, recorded by the runtime and read by `bigbrotr status`: a
 * `checkpoint` row of the service under LAST_CYCLE_KEY, value
 * `{ at, ok, duration_ms, consecutive_failures, error?, report? }`. This file is the
 * document's one owner: its keys, writer, parser and reader.
 */
export const LAST_CYCLE_KEY = "last_cycle";

/** The stored keys, spelled once. */
const KEY = {
  at: "at",
  ok: "ok",
  durationMs: "duration_ms",
  consecutiveFailures: "consecutive_failures",
  error: "error",
  report: "report",
} as const satisfies Record<Exclude<keyof LastCycle, "service">, string>;

/** What a finished cycle reports (core/service.ts CycleOutcome fits). */
export interface CycleResult {
  ok: boolean;
  durationMs: number;
  error?: Error;
  report?: Record<string, unknown>;
}

/** The last cycle of one service, as the runtime recorded it. */
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
    [KEY.at]: now,
    [KEY.ok]: outcome.ok,
    [KEY.durationMs]: outcome.durationMs,
    [KEY.consecutiveFailures]: consecutiveFailures,
    ...(outcome.error ? { [KEY.error]: outcome.error.message.slice(0, MAX_ERROR_LENGTH) } : {}),
    ...(outcome.report ? { [KEY.report]: outcome.report } : {}),
  };
  await upsertServiceState(
    db,
    [{ serviceName: service, stateType: "checkpoint", stateKey: LAST_CYCLE_KEY, stateValue }],
    { now },
  );
}

function parseLastCycle(service: string, v: Record<string, unknown>): LastCycle {
  const cycle: LastCycle = {
    service,
    at: Number(v[KEY.at]),
    ok: v[KEY.ok] === true,
    durationMs: Number(v[KEY.durationMs]),
    consecutiveFailures: Number(v[KEY.consecutiveFailures] ?? 0),
  };
  const error = v[KEY.error];
  const report = v[KEY.report];
  if (typeof error === "string") cycle.error = error;
  if (report && typeof report === "object") cycle.report = report as Record<string, unknown>;
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
  return rows.map((r) => parseLastCycle(r.service_name, r.state_value));
}
