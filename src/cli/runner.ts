import { createRegistry } from "../core/metrics.js";
import { buildDeps } from "./build-deps.js";
import { loadBrotrConfig, makeLogger, openDatabase, resolveConfigDir } from "./context.js";
import { startMetrics } from "./metrics-server.js";
import { onceProgress } from "./once-progress.js";
import { relayOption } from "./options.js";
import type { RunRequest, Shutdown } from "./run-request.js";
import { runLoaded } from "./run-service.js";
import { buildServices, type Loaded, readServiceConfigs } from "./service-files.js";
import { migrateWhenReachable, processOutage } from "./start-database.js";

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
