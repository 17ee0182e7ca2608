/**
 * `bigbrotr monitor --relay URL [--json]`: checks that relay once, now, with the monitor's
 * config (services/monitor.yaml or --config), prints every check's result and exits: 0 once
 * the checks ran (a relay that is down is a result), 2 for a bad URL or configuration, 1 when
 * the database failed or the run was interrupted. Arguments and configuration are checked
 * before the monitor key is loaded or the database started.
 */

import { join } from "node:path";
import { parseConfig, readYamlFile } from "../core/config/load.js";
import { MONITOR } from "../core/db/service-state/services.js";
import { createDbOutage } from "../core/db-outage.js";
import { createRegistry, createServiceMetrics } from "../core/metrics.js";
import { UsageError } from "../models/errors.js";
import { checkRelayNow } from "../services/monitor/check-now.js";
import { monitorConfigSchema } from "../services/monitor/config.js";
import { buildDeps } from "./build-deps.js";
import {
  type GlobalOptions,
  loadBrotrConfig,
  makeLogger,
  openDatabase,
  resolveConfigDir,
} from "./context.js";
import { relayOption } from "./options.js";
import { renderRelayCheck } from "./relay-check-text.js";
import type { Shutdown } from "./run-request.js";
import { SERVICES } from "./services.js";

export interface RelayCheckRequest extends GlobalOptions {
  relay: string;
  configPath?: string;
  json: boolean;
}

async function loadMonitorConfig(request: RelayCheckRequest, configDir: string) {
  const path = request.configPath ?? join(configDir, "services", `${MONITOR}.yaml`);
  const raw = await readYamlFile(path, request.configPath === undefined);
  return parseConfig(monitorConfigSchema, raw, path);
}

export async function runRelayCheck(request: RelayCheckRequest, shutdown: Shutdown) {
  const configDir = resolveConfigDir(request.configDir);
  const brotr = await loadBrotrConfig(configDir);
  const config = await loadMonitorConfig(request, configDir);
  const relay = relayOption(request.relay, brotr.allow_private);
  if (!brotr.networks[relay.network].enabled) {
    throw new UsageError(
      `--relay ${request.relay}: the ${relay.network} network is not enabled in brotr.yaml`,
    );
  }
  // Logs go to stderr (stdout is the report), quiet unless --log-level asks.
  const log = makeLogger(
    brotr,
    { ...request, logLevel: request.logLevel ?? "warn" },
    process.stderr,
  );
  const monitor = SERVICES.filter((s) => s.name === MONITOR);
  const deps = await buildDeps(brotr, { entries: monitor }, log);
  const db = await openDatabase(brotr, log);
  shutdown.onForcedExit(() => db.stopNow());
  try {
    await db.migrate();
    const monitorLog = log.child({ service: MONITOR });
    const ctx = {
      db: db.pool(MONITOR),
      log: monitorLog,
      metrics: createServiceMetrics(createRegistry(), MONITOR),
      signal: shutdown.signal,
      now: () => Math.floor(Date.now() / 1000),
      outage: createDbOutage(monitorLog),
    };
    const report = await checkRelayNow(deps, config, ctx, relay);
    process.stdout.write(
      request.json ? `${JSON.stringify(report, null, 2)}\n` : renderRelayCheck(report),
    );
    return shutdown.signal.aborted ? 1 : 0;
  } finally {
    await db.close();
  }
}
