import { join } from "node:path";
import type { z } from "zod";
import { parseApiKeys } from "../api/api-keys.js";
import { apiConfigSchema } from "../api/config.js";
import { createApiService } from "../api/server.js";
import { parseConfig } from "../core/config/load.js";
import type { ServiceBaseConfig } from "../core/config/schemas.js";
import {
  API,
  DVM,
  FINDER,
  MONITOR,
  REFRESHER,
  RELAY,
  SEEDER,
  SYNCHRONIZER,
  VALIDATOR,
} from "../core/db/service-state/services.js";
import type { LongRunningService, Service } from "../core/service.js";
import type { ServiceDeps } from "../core/service-deps.js";
import { BrotrError } from "../models/errors.js";
import { dvmConfigSchema } from "../services/dvm/config.js";
import { createDvmService } from "../services/dvm/service.js";
import { createFinder, finderConfigSchema } from "../services/finder/service.js";
import { monitorConfigSchema } from "../services/monitor/config.js";
import { createMonitor } from "../services/monitor/service.js";
import { refresherConfigSchema } from "../services/refresher/config.js";
import { createRefresher } from "../services/refresher/service.js";
import { relayConfigSchema } from "../services/relay/config.js";
import { createRelayService } from "../services/relay/service.js";
import { seederConfigSchema } from "../services/seeder/config.js";
import { createSeeder } from "../services/seeder/service.js";
import { synchronizerConfigSchema } from "../services/synchronizer/config.js";
import {
  createSynchronizer,
  type SynchronizerOptions,
  type SyncProgress,
} from "../services/synchronizer/service.js";
import { validatorConfigSchema } from "../services/validator/config.js";
import { createValidator } from "../services/validator/service.js";
import { alertSecretsFromEnv } from "./alert-secrets.js";
import { PACKAGE_ROOT } from "./context.js";
import { PORT_VARIABLES, portFromEnv, relayAddress } from "./environment.js";
import { relayOption } from "./options.js";
import { SERVICE_COMMANDS, type ServiceCommand } from "./service-catalog.js";
import { formatSyncProgress } from "./sync-progress.js";

/**
 * Where a service reports progress on a single-service `--once` run on a terminal
 * (once-progress.ts): the line to show and the count its rate is computed from.
 */
export type ProgressSink = (line: string, count: number) => void;

/** One runnable service (its command, service-catalog.ts): how to validate its config and build it. */
export interface ServiceEntry extends ServiceCommand {
  /** Validates the raw YAML (throws ConfigError) and builds the service. */
  load(
    deps: ServiceDeps,
    raw: unknown,
    source: string,
    flags?: Readonly<Record<string, string>>,
    progress?: ProgressSink,
  ): { service: Service | LongRunningService; config: ServiceBaseConfig };
  /** Validates only (for `bigbrotr config check`). */
  validate(raw: unknown, source: string): ServiceBaseConfig;
}

function defineService<S extends z.ZodType<ServiceBaseConfig>>(options: {
  name: string;
  schema: S;
  create: (
    deps: ServiceDeps,
    config: z.output<S>,
    flags: Readonly<Record<string, string>>,
    progress?: ProgressSink,
  ) => Service | LongRunningService;
}): ServiceEntry {
  const command = SERVICE_COMMANDS.find((c) => c.name === options.name);
  if (command === undefined) throw new BrotrError(`no command for service ${options.name}`);
  return {
    ...command,
    load(deps, raw, source, flags = {}, progress) {
      const config = parseConfig(options.schema, raw, source);
      return { service: options.create(deps, config, flags, progress), config };
    },
    validate: (raw, source) => parseConfig(options.schema, raw, source),
  };
}

/** A `--relay URL` flag, normalised as the relay table stores it (the runner checked it first). */
function relayFlag(deps: ServiceDeps, raw: string): string {
  return relayOption(raw, deps.brotr.allow_private).url;
}

/** Every service, in the catalog's (pipeline) order. */
export const SERVICES: readonly ServiceEntry[] = [
  defineService({
    name: SEEDER,
    schema: seederConfigSchema,
    create: createSeeder,
  }),
  defineService({
    name: FINDER,
    schema: finderConfigSchema,
    create: createFinder,
  }),
  defineService({
    name: VALIDATOR,
    schema: validatorConfigSchema,
    create: (deps, config) => createValidator(deps, config),
  }),
  defineService({
    name: MONITOR,
    schema: monitorConfigSchema,
    // `--relay` is a one-off check (cli/relay-check.ts), not a service run.
    create: (deps, config) =>
      createMonitor(deps, config, { alertSecrets: alertSecretsFromEnv(process.env, config) }),
  }),
  defineService({
    name: SYNCHRONIZER,
    schema: synchronizerConfigSchema,
    create: (deps, config, flags, progress) => {
      const options: SynchronizerOptions = progress
        ? { onProgress: (p: SyncProgress) => progress(formatSyncProgress(p), p.events) }
        : {};
      if (flags.relay === undefined) return createSynchronizer(deps, config, options);
      return createSynchronizer(deps, config, {
        ...options,
        relayUrl: relayFlag(deps, flags.relay),
      });
    },
  }),
  defineService({
    name: REFRESHER,
    schema: refresherConfigSchema,
    create: createRefresher,
  }),
  defineService({
    name: API,
    schema: apiConfigSchema,
    create: (_deps, loaded) => {
      const keys = loaded.api_keys_env ? parseApiKeys(process.env[loaded.api_keys_env]) : [];
      // Containers bind the API to all interfaces through this variable; the files say loopback.
      // The offline demo beside another copy: BIGBROTR_API_PORT moves it (cli/environment.ts).
      const host = process.env.BIGBROTR_API_HOST ?? loaded.server.host;
      const port = portFromEnv(process.env, PORT_VARIABLES.api) ?? loaded.server.port;
      const config = { ...loaded, server: { ...loaded.server, host, port } };
      return createApiService(config, {
        apiKeys: keys,
        ...(config.server.explorer ? { explorerDir: join(PACKAGE_ROOT, "web") } : {}),
      });
    },
  }),
  defineService({
    name: RELAY,
    schema: relayConfigSchema,
    create: (deps, loaded) => {
      const server = relayAddress(loaded.server, process.env);
      return createRelayService(deps, { ...loaded, server });
    },
  }),
  defineService({
    name: DVM,
    schema: dvmConfigSchema,
    create: createDvmService,
  }),
];
