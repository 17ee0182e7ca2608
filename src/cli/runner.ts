import { readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { readYamlFile } from "../core/config/load.js";
import type { BrotrConfig, ServiceBaseConfig } from "../core/config/schemas.js";
import { leaseHolder } from "../core/db/leases.js";
import { recordLastCycle } from "../core/db/service-state/last-cycle.js";
import { DVM, MONITOR } from "../core/db/service-state/services.js";
import { createDbOutage, type DbOutage } from "../core/db-outage.js";
import type { Logger } from "../core/logger.js";
import {
  createRegistry,
  createServiceMetrics,
  type Registry,
  startMetricsServer,
} from "../core/metrics.js";
import {
  type CycleOutcome,
  isLongRunning,
  type LongRunningService,
  runForever,
  runOnce,
  type Service,
  type ServiceContext,
  sleep,
} from "../core/service.js";
import type { ServiceDeps } from "../core/service-deps.js";
import { toError } from "../models/errors.js";
import { secretKeyFromEnv } from "../utils/keys.js";
import { loadMonitorKey } from "../utils/monitor-key.js";
import {
  type Database,
  type GlobalOptions,
  loadBrotrConfig,
  makeLogger,
  openDatabase,
  resolveConfigDir,
} from "./context.js";
import { databaseUrlFromEnv, PORT_VARIABLES, portFromEnv } from "./environment.js";
import { relayOption } from "./options.js";
import { createProgress } from "./progress.js";
import type { ProgressSink, ServiceEntry } from "./services.js";

export interface RunRequest extends GlobalOptions {
  entries: readonly ServiceEntry[];
  once: boolean;
  /** Explicit service config file (single-service runs only). */
  configPath?: string;
  /** `bigbrotr up`: skip disabled services, one metrics server, one failure stops all. */
  together: boolean;
  /** A single service's own command-line options (`--relay` of the synchronizer). */
  serviceFlags?: Readonly<Record<string, string>>;
}

/** What main.ts gives the runner: the shutdown signal and a hook for a forced exit. */
export interface Shutdown {
  signal: AbortSignal;
  onForcedExit(fn: () => void): void;
}

interface Loaded {
  entry: ServiceEntry;
  service: Service | LongRunningService;
  config: ServiceBaseConfig;
}

const now = () => Math.floor(Date.now() / 1000);
/** How often a start waiting for the database tries again. */
const START_RETRY_MS = 2000;

/** One service's config file, read and validated (nothing is built yet). */
interface ServiceConfigFile {
  entry: ServiceEntry;
  raw: unknown;
  path: string;
  config: ServiceBaseConfig;
}

/**
 * Reads and validates every service's config, and the variable of its `database_url_env`, so
 * that a mistake is reported before anything is started, loaded or logged.
 */
async function readServiceConfigs(request: RunRequest, configDir: string, log: Logger) {
  const files: ServiceConfigFile[] = [];
  for (const entry of request.entries) {
    const path = request.configPath ?? join(configDir, "services", `${entry.name}.yaml`);
    const raw = await readYamlFile(path, request.configPath === undefined);
    if (raw === undefined) log.warn({ service: entry.name, path }, "config_missing_using_defaults");
    const config = entry.validate(raw, path);
    if (config.database_url_env) databaseUrlFromEnv(process.env, config.database_url_env);
    files.push({ entry, raw, path, config });
  }
  return files;
}

function buildServices(
  request: RunRequest,
  files: readonly ServiceConfigFile[],
  deps: ServiceDeps,
  log: Logger,
  progress?: ProgressSink,
) {
  const loaded: Loaded[] = [];
  for (const { entry, raw, path } of files) {
    const { service, config } = entry.load(deps, raw, path, request.serviceFlags, progress);
    if (request.together && !config.enabled) {
      log.info({ service: entry.name }, "service_disabled");
      continue;
    }
    loaded.push({ entry, service, config });
  }
  return loaded;
}

/** A progress line for one service's `--once` run when stderr is a terminal; else none. */
function onceProgress(request: RunRequest) {
  const single = request.once && !request.together && request.entries.length === 1;
  if (!single || process.stderr.isTTY !== true) return undefined;
  let line = "";
  let count = 0;
  let shown = false;
  const progress = createProgress(process.stderr, true, () => line);
  const sink: ProgressSink = (l, c) => {
    line = l;
    count = c;
    shown = true;
    progress.update(c);
  };
  return { sink, end: () => shown && progress.done(count) };
}

/**
 * This process's host as lease holders name it: the host name and, on Linux, the pid
 * namespace, so two containers that share a host name (network_mode: host) but not their
 * pids never take each other's leases for a dead predecessor's (core/db/leases.ts).
 */
function processHost(): string {
  try {
    const ns = /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
    return ns === undefined ? hostname() : `${hostname()}/pidns-${ns}`;
  } catch {
    return hostname();
  }
}

/**
 * What every service gets besides its config. The Nostr key: from the variable named by
 * `nostr.private_key_env` when it is set (a malformed one is a ConfigError naming the
 * variable, never the value); when it is not and the monitor or the DVM runs, the monitor's own key,
 * generated once into the data folder (utils/monitor-key.ts), so publishing needs no setup.
 */
export async function buildDeps(
  brotr: BrotrConfig,
  request: Pick<RunRequest, "entries">,
  log: Logger,
): Promise<ServiceDeps> {
  // host:pid:random names this process among the replicas of a service (lease holder).
  const instanceId = leaseHolder(processHost());
  const envName = brotr.nostr.private_key_env;
  // The monitor and the DVM sign with the deployment's key (generated on first use).
  const secretKey = request.entries.some((e) => e.name === MONITOR || e.name === DVM)
    ? (
        await loadMonitorKey({
          envName,
          env: process.env,
          dataDir: brotr.database.embedded.data_dir,
          log,
        })
      ).secretKey
    : secretKeyFromEnv(process.env, envName, "nostr.private_key_env")?.secretKey;
  return { brotr, instanceId, ...(secretKey ? { secretKey } : {}) };
}

interface RunEnv {
  request: RunRequest;
  db: Database;
  log: Logger;
  registry: Registry;
  stop: AbortController;
  /** The process's one outage state, shared by every service it runs. */
  outage: DbOutage;
}

/** Runs one service (once, or until shutdown or its failure budget); true when it ended well. */
async function runLoaded({ entry, service, config }: Loaded, env: RunEnv): Promise<boolean> {
  const urlOverride = config.database_url_env
    ? databaseUrlFromEnv(process.env, config.database_url_env)
    : undefined;
  const settings = isLongRunning(service) ? service.sessionSettings : undefined;
  const pool = env.db.pool(entry.name, urlOverride, config.statement_timeout, settings);
  const ctx: ServiceContext = {
    db: pool,
    log: env.log.child({ service: entry.name }),
    metrics: createServiceMetrics(env.registry, entry.name),
    signal: env.stop.signal,
    now,
    outage: env.outage,
  };
  // A cycle cut short by the shutdown leaves the last complete cycle's record in place.
  const record = async (outcome: CycleOutcome, failures: number) => {
    if (!outcome.interrupted) await recordLastCycle(pool, entry.name, outcome, failures, now());
  };
  if (isLongRunning(service)) return runServer(service, ctx, env);
  const once = env.request.once || entry.oneShot;
  try {
    ctx.log.info({ interval: config.interval, once }, "service_started");
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
    ctx.log.info("service_started");
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

/** The metrics server of the run (brotr.yaml's for `up`, the service's own alone), if enabled. */
async function startMetrics(
  request: RunRequest,
  brotr: BrotrConfig,
  loaded: readonly Loaded[],
  registry: Registry,
  log: Logger,
): Promise<{ close(): Promise<void> } | undefined> {
  const configured = request.together ? brotr.metrics : loaded[0]?.config.metrics;
  // Containers bind metrics to all interfaces through this variable; the files default to loopback.
  const host = process.env.BIGBROTR_METRICS_HOST;
  const port = portFromEnv(process.env, PORT_VARIABLES.metrics);
  const metricsConfig = configured && {
    ...configured,
    ...(host ? { host } : {}),
    ...(port === undefined ? {} : { port }),
  };
  if (request.once || !metricsConfig?.enabled) return undefined;
  const server = await startMetricsServer(registry, metricsConfig);
  log.info({ host: metricsConfig.host, port: metricsConfig.port }, "metrics_server_started");
  return server;
}

/**
 * Migrates, waiting while the database is unreachable when `wait` (a long-running start): a
 * process started during an outage, or restarted by its supervisor then, would otherwise exit
 * at once and again at every restart, a crash loop a supervisor's start limit ends (systemd's
 * 5 starts in 10 s). The outage is logged once each way; a shutdown meanwhile ends the wait.
 */
async function migrateWhenReachable(
  db: Database,
  outage: DbOutage,
  signal: AbortSignal,
  wait: boolean,
) {
  for (;;) {
    try {
      await db.migrate();
      outage.succeeded();
      return;
    } catch (error) {
      if (!wait || signal.aborted || outage.failed(error) === undefined) throw error;
      await sleep(START_RETRY_MS, signal);
      if (signal.aborted) throw error;
    }
  }
}

/**
 * The process's database outage: one for the start's migration and every service it runs
 * (their cycles, background loops and requests), so an outage is logged once each way per
 * process. Its lines name the service when the process runs one (every deployment but `up`).
 */
function processOutage(log: Logger, loaded: readonly Loaded[]): DbOutage {
  const only = loaded.length === 1 ? loaded[0]?.entry.name : undefined;
  return createDbOutage(only === undefined ? log : log.child({ service: only }));
}

/** Loads config, opens the database, runs the services, and returns the process exit code. */
export async function runServices(request: RunRequest, shutdown: Shutdown): Promise<number> {
  const configDir = resolveConfigDir(request.configDir);
  const brotr = await loadBrotrConfig(configDir);
  const log = makeLogger(brotr, request);
  const relay = request.serviceFlags?.relay;
  if (relay !== undefined) relayOption(relay, brotr.allow_private);
  const files = await readServiceConfigs(request, configDir, log);
  const progress = onceProgress(request);
  const deps = await buildDeps(brotr, request, log);
  const loaded = buildServices(request, files, deps, log, progress?.sink);
  if (loaded.length === 0) {
    log.warn("no_enabled_services");
    return 0;
  }
  const db = await openDatabase(brotr, log);
  shutdown.onForcedExit(() => db.stopNow());
  const stop = new AbortController();
  shutdown.signal.addEventListener("abort", () => stop.abort(), { once: true });
  const registry = createRegistry();
  let metricsServer: { close(): Promise<void> } | undefined;
  let databaseGone = false;
  const outage = processOutage(log, loaded);
  try {
    await migrateWhenReachable(db, outage, stop.signal, !request.once);
    if (!request.once) {
      // The embedded server could not be restarted: stop, and exit non-zero for a supervisor.
      db.supervise(() => {
        databaseGone = true;
        stop.abort();
      });
    }
    metricsServer = await startMetrics(request, brotr, loaded, registry, log);
    const run = (item: Loaded) => runLoaded(item, { request, db, log, registry, stop, outage });
    // One-shot services (the seeder) go first, so the others' first cycle sees their work.
    const first = await Promise.all(loaded.filter((l) => l.entry.oneShot).map(run));
    const rest = stop.signal.aborted
      ? []
      : await Promise.all(loaded.filter((l) => !l.entry.oneShot).map(run));
    const results = [...first, ...rest];
    return results.every(Boolean) && !databaseGone ? 0 : 1;
  } finally {
    progress?.end();
    await metricsServer?.close();
    await db.close();
  }
}
