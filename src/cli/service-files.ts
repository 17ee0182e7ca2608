import { join } from "node:path";
import { readYamlFile } from "../core/config/load.js";
import type { ServiceBaseConfig } from "../core/config/schemas.js";
import type { Logger } from "../core/logger.js";
import type { LongRunningService, Service } from "../core/service.js";
import type { ServiceDeps } from "../core/service-deps.js";
import { databaseUrlFromEnv } from "./environment.js";
import type { RunRequest } from "./run-request.js";
import type { ProgressSink, ServiceEntry } from "./services.js";

/** One service's config file, read and validated (nothing is built yet). */
export interface ServiceConfigFile {
  entry: ServiceEntry;
  raw: unknown;
  path: string;
  config: ServiceBaseConfig;
}

/** A service built from its config file, ready to run. */
export interface Loaded {
  entry: ServiceEntry;
  service: Service | LongRunningService;
  config: ServiceBaseConfig;
}

/**
 * Reads and validates every service's config, and the variable of its `database_url_env`, so
 * that a mistake is reported before anything is started, loaded or logged.
 */
export async function readServiceConfigs(
  request: RunRequest,
  configDir: string,
  log: Logger,
): Promise<ServiceConfigFile[]> {
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

/** Builds each service; `bigbrotr up` leaves out those its config disables. */
export function buildServices(
  request: RunRequest,
  files: readonly ServiceConfigFile[],
  deps: ServiceDeps,
  log: Logger,
  progress?: ProgressSink,
): Loaded[] {
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
