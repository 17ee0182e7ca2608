import type { BrotrConfig } from "../core/config/schemas.js";
import type { Logger } from "../core/logger.js";
import { createRegistry } from "../core/metrics.js";
import { buildDeps } from "./build-deps.js";
import { answerMetricsOfUp, childMetrics } from "./child-metrics.js";
import {
  type Database,
  loadBrotrConfig,
  makeLogger,
  openDatabase,
  resolveConfigDir,
} from "./context.js";
import { startMetrics } from "./metrics-server.js";
import { onceProgress } from "./once-progress.js";
import { relayOption } from "./options.js";
import type { RunRequest, Shutdown } from "./run-request.js";
import { runLoaded } from "./run-service.js";
import { buildServices, type Loaded, readServiceConfigs } from "./service-files.js";
import { runServiceProcess, splitOwnProcesses } from "./service-process.js";
import type { ServiceEntry } from "./services.js";
import { migrateWhenReachable, processOutage } from "./start-database.js";

/** What a run has once its services are built and its database open. */
interface Run {
  request: RunRequest;
  shutdown: Shutdown;
  configDir: string;
  brotr: BrotrConfig;
  log: Logger;
  db: Database;
  /** Services run in this process, and those run in a process of their own. */
  loaded: readonly Loaded[];
  own: readonly ServiceEntry[];
}

/** Migrates, supervises the database, runs every service; the process exit code. */
async function runAll(run: Run): Promise<number> {
  const { request, db, log, loaded } = run;
  const stop = new AbortController();
  run.shutdown.signal.addEventListener("abort", () => stop.abort(), { once: true });
  const registry = createRegistry();
  const outage = processOutage(log, loaded);
  let databaseGone = false;
  await migrateWhenReachable(db, outage, stop.signal, !request.once);
  if (!request.once) {
    // The embedded server could not be restarted: stop, and exit non-zero for a supervisor.
    db.supervise(() => {
      databaseGone = true;
      stop.abort();
    });
  }
  // A child of `up` serves its metrics through it; `up` serves its children's with its own.
  const toUp = answerMetricsOfUp(registry);
  const children = run.own.length > 0 ? childMetrics() : undefined;
  const metricsServer = toUp
    ? undefined
    : await startMetrics(request, run.brotr, loaded, registry, log, children);
  try {
    const inProcess = (item: Loaded) =>
      runLoaded(item, { request, db, log, registry, stop, outage });
    const apart = (entry: ServiceEntry) =>
      runServiceProcess(entry, { ...run, stop, ...(children ? { metrics: children } : {}) });
    // One-shot services (the seeder) go first, so the others' first cycle sees their work.
    const first = await Promise.all(loaded.filter((l) => l.entry.oneShot).map(inProcess));
    const rest = stop.signal.aborted
      ? []
      : await Promise.all([
          ...loaded.filter((l) => !l.entry.oneShot).map(inProcess),
          ...run.own.map(apart),
        ]);
    return [...first, ...rest].every(Boolean) && !databaseGone ? 0 : 1;
  } finally {
    toUp?.stop();
    await metricsServer?.close();
  }
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
  const { inProcess, own } = splitOwnProcesses(request, files, log);
  const loaded = buildServices(request, inProcess, deps, log, progress?.sink);
  if (loaded.length + own.length === 0) {
    log.warn("no_enabled_services");
    return 0;
  }
  const db = await openDatabase(brotr, log);
  shutdown.onForcedExit(() => db.stopNow());
  try {
    return await runAll({ request, shutdown, configDir, brotr, log, db, loaded, own });
  } finally {
    progress?.end();
    await db.close();
  }
}
