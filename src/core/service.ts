import type pg from "pg";
import { toError } from "../models/errors.js";
import { asConnectionLost, ConnectionLost } from "./db/errors.js";
import { databaseAnswers } from "./db/sql.js";
import type { DbOutage } from "./db-outage.js";
import type { Logger } from "./logger.js";
import type { ServiceMetrics } from "./metrics.js";

/** What a cycle reports: a few numbers or words, logged with `cycle_completed`. */
export type CycleReport = Record<string, number | string | boolean>;

export interface ServiceContext {
  readonly db: pg.Pool;
  readonly log: Logger;
  readonly metrics: ServiceMetrics;
  /** Aborted on shutdown: pass it to every network call and check it between batches. */
  readonly signal: AbortSignal;
  /** Wall clock in unix seconds (a parameter so tests can move time). */
  now(): number;
  /**
   * The process's database outage (core/db-outage.ts), one for everything it runs: the
   * cycles, the background work, a server's requests report to it, so an outage is logged
   * once each way however many of them meet it.
   */
  readonly outage: DbOutage;
}

/**
 * A service: a name, an optional cleanup (returns how many rows it removed) and one cycle.
 * Progress that must survive a restart lives in service_state, never in memory.
 */
export interface Service {
  readonly name: string;
  cleanup?(ctx: ServiceContext): Promise<number>;
  runCycle(ctx: ServiceContext): Promise<CycleReport | undefined>;
  /**
   * Work that runs beside the cycles for as long as the service runs (the synchronizer's
   * live subscriptions): started by runForever, not by runOnce, told to stop through
   * `ctx.signal`, and awaited before runForever returns. It should not throw.
   */
  background?(ctx: ServiceContext): Promise<void>;
  /** Releases long-lived resources (worker pools, sockets) when the process stops. */
  close?(): Promise<void>;
}

/**
 * A service that runs until shutdown instead of in cycles (the HTTP API). `serve` resolves
 * once `ctx.signal` has aborted and everything it started is closed; it rejects when the
 * service cannot start (a port in use).
 */
export interface LongRunningService {
  readonly name: string;
  /** Server settings its pool's connections open with (core/db/pool.ts). */
  readonly sessionSettings?: Readonly<Record<string, string>>;
  serve(ctx: ServiceContext): Promise<void>;
}

export function isLongRunning(s: Service | LongRunningService): s is LongRunningService {
  return "serve" in s;
}

export interface CycleOutcome {
  ok: boolean;
  /** The cycle returned after a shutdown began: it stopped early (ok, but not complete). */
  interrupted?: boolean;
  durationMs: number;
  report?: CycleReport;
  error?: Error;
}

export interface RunForeverOptions {
  /** Seconds from the start of one cycle to the start of the next. */
  intervalSeconds: number;
  /**
   * Stop after this many failed cycles in a row (0 = never stop), not counting those that
   * failed because the database was away (see cycles).
   */
  maxConsecutiveFailures: number;
  /**
   * After a cycle that failed because the database was unreachable, how often (ms) to ask it
   * whether it is back (default 2000): the next cycle starts as soon as it answers.
   */
  reconnectProbeMs?: number;
}

export type StopReason = "aborted" | "failure-budget";

/** Called after every cycle, e.g. to record the outcome in service_state for `bigbrotr status`. */
export type CycleListener = (outcome: CycleOutcome, consecutiveFailures: number) => Promise<void>;

/**
 * Runs cleanup then one cycle, recording metrics and logs. Never throws for a failed cycle.
 * A cycle that failed because the database is unreachable is logged by `ctx.outage` (once per
 * outage) and at debug here; its error is then a ConnectionLost.
 */
export async function runOnce(service: Service, ctx: ServiceContext): Promise<CycleOutcome> {
  const { outage } = ctx;
  const started = performance.now();
  const epoch = outage.epoch;
  ctx.log.info("cycle_started");
  try {
    const removed = service.cleanup ? await service.cleanup(ctx) : 0;
    const report = { ...(await service.runCycle(ctx)), ...(removed ? { cleaned: removed } : {}) };
    const durationMs = Math.round(performance.now() - started);
    outage.succeeded();
    if (ctx.signal.aborted) {
      // Cut short by a shutdown and wound down cleanly: what it did is kept, but it is not a
      // completed cycle (no last-success time; readers waiting for a full cycle keep waiting).
      ctx.metrics.cycle("interrupted", durationMs / 1000);
      ctx.log.info({ durationMs, ...report }, "cycle_interrupted");
      return { ok: true, durationMs, report, interrupted: true };
    }
    ctx.metrics.cycle("success", durationMs / 1000);
    ctx.metrics.lastSuccess(ctx.now());
    ctx.log.info({ durationMs, ...report }, "cycle_completed");
    return { ok: true, durationMs, report };
  } catch (thrown) {
    const lost = ctx.signal.aborted ? undefined : outage.failed(thrown, epoch);
    const error = lost ?? toError(thrown);
    const durationMs = Math.round(performance.now() - started);
    ctx.metrics.cycle("failure", durationMs / 1000);
    ctx.metrics.error(error.name || "Error");
    if (ctx.signal.aborted) ctx.log.warn({ durationMs, err: error }, "cycle_aborted");
    else if (lost) ctx.log.debug({ durationMs, reason: lost.message }, "cycle_failed");
    else ctx.log.error({ durationMs, err: error }, "cycle_failed");
    return { ok: false, durationMs, error };
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * After a cycle the database failed: waits until it answers again, asking every `probeMs`
 * and one question at a time (a frozen server holds a probe until it thaws or the pool gives
 * up), until `until` at most (one probe at least). Returns whether it was found away: a probe
 * failed, or went unanswered for a whole probe period.
 */
async function waitForDatabase(
  ctx: ServiceContext,
  until: number,
  probeMs: number,
): Promise<boolean> {
  let away = false;
  let probe: Promise<boolean> | undefined;
  // At least one probe, even when `until` has passed: its answer says whose fault it was.
  do {
    if (probe === undefined) {
      await sleep(probeMs, ctx.signal);
      if (ctx.signal.aborted) break;
      probe = databaseAnswers(ctx.db);
    }
    const answer = await Promise.race([probe, sleep(probeMs, ctx.signal)]);
    if (answer === true) return away;
    if (answer === false) probe = undefined;
    away = true;
  } while (!ctx.signal.aborted && Date.now() < until);
  return away;
}

/**
 * Repeats runOnce on a fixed cadence (a cycle starts `intervalSeconds` after the previous one
 * started; a cycle longer than the interval is followed at once by the next), never overlapping.
 * A cycle that failed because the database was unreachable is followed by the next one as soon
 * as the database answers again (within `reconnectProbeMs`), not after the whole interval.
 * Stops when the signal aborts or after `maxConsecutiveFailures` failures in a row that were
 * the service's (an outage, however long, is waited out). The service's `background` work runs
 * meanwhile and is stopped and awaited before it returns.
 */
export async function runForever(
  service: Service,
  ctx: ServiceContext,
  options: RunForeverOptions,
  onCycle?: CycleListener,
): Promise<StopReason> {
  const stop = new AbortController();
  const background = service.background?.({
    ...ctx,
    signal: AbortSignal.any([ctx.signal, stop.signal]),
  });
  const logged = background?.catch((e: unknown) =>
    ctx.log.error({ err: toError(e) }, "background_failed"),
  );
  try {
    return await cycles(service, ctx, options, onCycle);
  } finally {
    stop.abort();
    await logged;
  }
}

/**
 * The cycles of runForever. `failures` counts every failed cycle in a row (the metric, the
 * status record); `spent` only those charged to the failure budget: a cycle that failed because
 * the database was away is not the service's fault, so it is not charged when a probe then
 * finds the database away. One that lost its connection while the database answers is charged,
 * and the next one waits twice as long after each such failure in a row (it does not spin).
 */
async function cycles(
  service: Service,
  ctx: ServiceContext,
  options: RunForeverOptions,
  onCycle?: CycleListener,
): Promise<StopReason> {
  let failures = 0;
  let spent = 0;
  const { outage } = ctx;
  const probeMs = options.reconnectProbeMs ?? 2000;
  const budget = options.maxConsecutiveFailures;
  ctx.metrics.consecutiveFailures(0);
  while (!ctx.signal.aborted) {
    const started = Date.now();
    const outcome = await runOnce(service, ctx);
    const unreachable = !outcome.ok && outcome.error instanceof ConnectionLost;
    failures = outcome.ok ? 0 : failures + 1;
    if (outcome.ok) spent = 0;
    else if (!unreachable) spent++;
    ctx.metrics.consecutiveFailures(failures);
    if (onCycle) await record(onCycle, outcome, failures, outage, ctx);
    if (ctx.signal.aborted) break;
    const next = started + options.intervalSeconds * 1000;
    if (unreachable && !(await waitForDatabase(ctx, next, probeMs))) {
      spent++;
      await sleep(
        Math.min(probeMs * 2 ** Math.min(spent - 1, 16) - probeMs, next - Date.now()),
        ctx.signal,
      );
    }
    if (budget > 0 && spent >= budget) {
      ctx.log.error({ failures: spent }, "failure_budget_exhausted");
      return "failure-budget";
    }
    if (!unreachable) await sleep(next - Date.now(), ctx.signal);
  }
  return "aborted";
}

/** The cycle listener; during an outage its failure is logged at debug like the cycle's. */
async function record(
  onCycle: CycleListener,
  outcome: CycleOutcome,
  failures: number,
  outage: DbOutage,
  ctx: ServiceContext,
): Promise<void> {
  await onCycle(outcome, failures).catch((e: unknown) => {
    // During an outage the record fails like the cycle did: not news, and not a cycle.
    const lost = outage.active ? asConnectionLost(e) : outage.failed(e);
    if (lost) ctx.log.debug({ reason: lost.message }, "cycle_record_failed");
    else ctx.log.warn({ err: toError(e) }, "cycle_record_failed");
  });
}
