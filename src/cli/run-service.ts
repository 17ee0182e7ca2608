import { getHeapStatistics } from "node:v8";
import { recordLastCycle } from "../core/db/service-state/last-cycle.js";
import type { DbOutage } from "../core/db-outage.js";
import type { Logger } from "../core/logger.js";
import { createServiceMetrics, type Registry } from "../core/metrics.js";
import {
  type CycleOutcome,
  isLongRunning,
  type LongRunningService,
  runForever,
  runOnce,
  type ServiceContext,
} from "../core/service.js";
import { toError } from "../models/errors.js";
import type { Database } from "./context.js";
import { databaseUrlFromEnv } from "./environment.js";
import type { RunRequest } from "./run-request.js";
import type { Loaded } from "./service-files.js";

/** What the services of one run share. */
export interface RunEnv {
  request: RunRequest;
  db: Database;
  log: Logger;
  registry: Registry;
  stop: AbortController;
  /** The process's one outage state, shared by every service it runs. */
  outage: DbOutage;
}

const now = () => Math.floor(Date.now() / 1000);

/** V8's heap limit of this process in MB (a service `up` runs apart has its own: service-process.ts). */
const heapLimitMb = () => Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);

/** The context of one service: its pool, logger and metrics, the run's signal and outage. */
function contextOf({ entry, service, config }: Loaded, env: RunEnv): ServiceContext {
  const urlOverride = config.database_url_env
    ? databaseUrlFromEnv(process.env, config.database_url_env)
    : undefined;
  const settings = isLongRunning(service) ? service.sessionSettings : undefined;
  return {
    db: env.db.pool(entry.name, urlOverride, config.statement_timeout, settings),
    log: env.log.child({ service: entry.name }),
    metrics: createServiceMetrics(env.registry, entry.name),
    signal: env.stop.signal,
    now,
    outage: env.outage,
  };
}

/** Runs one service (once, or until shutdown or its failure budget); true when it ended well. */
export async function runLoaded(loaded: Loaded, env: RunEnv): Promise<boolean> {
  const { entry, service, config } = loaded;
  const ctx = contextOf(loaded, env);
  // A cycle cut short by the shutdown leaves the last complete cycle's record in place.
  const record = async (outcome: CycleOutcome, failures: number) => {
    if (!outcome.interrupted) await recordLastCycle(ctx.db, entry.name, outcome, failures, now());
  };
  if (isLongRunning(service)) return runServer(service, ctx, env);
  const once = env.request.once || entry.oneShot;
  try {
    ctx.log.info(
      { interval: config.interval, once, heapLimitMb: heapLimitMb() },
      "service_started",
    );
    if (once) {
      const outcome = await runOnce(service, ctx);
      await record(outcome, outcome.ok ? 0 : 1).catch(() => {});
      return outcome.ok;
    }
    const reason = await runForever(
      service,
      ctx,
      { intervalSeconds: config.interval, maxConsecutiveFailures: config.max_consecutive_failures },
      record,
    );
    if (reason === "failure-budget" && env.request.together) env.stop.abort();
    return reason === "aborted";
  } finally {
    await service
      .close?.()
      .catch((e: unknown) => ctx.log.warn({ err: toError(e) }, "close_failed"));
    ctx.log.info("service_stopped");
  }
}

/** A long-running service (the API) until shutdown; `--once` runs have no place for one. */
async function runServer(
  service: LongRunningService,
  ctx: ServiceContext,
  env: RunEnv,
): Promise<boolean> {
  if (env.request.once) {
    ctx.log.info("service_skipped_once");
    return true;
  }
  try {
    ctx.log.info({ heapLimitMb: heapLimitMb() }, "service_started");
    await service.serve(ctx);
    return true;
  } catch (error) {
    ctx.log.error({ err: toError(error) }, "service_failed");
    if (env.request.together) env.stop.abort();
    return false;
  } finally {
    ctx.log.info("service_stopped");
  }
}
