import type { z } from "zod";
import { parseConfig } from "../core/config/load.js";
import type { ServiceBaseConfig } from "../core/config/schemas.js";
import type { Service } from "../core/service.js";
import { createFinder, finderConfigSchema } from "../services/finder/service.js";
import { refresherConfigSchema } from "../services/refresher/config.js";
import { createRefresher } from "../services/refresher/service.js";
import { seederConfigSchema } from "../services/seeder/config.js";
import { createSeeder } from "../services/seeder/service.js";
import type { ServiceDeps } from "../services/shared/deps.js";
import { validatorConfigSchema } from "../services/validator/config.js";
import { createValidator } from "../services/validator/service.js";

/** One runnable service: how to validate its config and build it. */
export interface ServiceEntry {
  readonly name: string;
  readonly description: string;
  /** Runs a single cycle even under `bigbrotr up` (the seeder). */
  readonly oneShot: boolean;
  /** Validates the raw YAML (throws ConfigError) and builds the service. */
  load(
    deps: ServiceDeps,
    raw: unknown,
    source: string,
  ): { service: Service; config: ServiceBaseConfig };
  /** Validates only (for `bigbrotr config check`). */
  validate(raw: unknown, source: string): ServiceBaseConfig;
}

export function defineService<S extends z.ZodType<ServiceBaseConfig>>(options: {
  name: string;
  description: string;
  schema: S;
  create: (deps: ServiceDeps, config: z.output<S>) => Service;
  oneShot?: boolean;
}): ServiceEntry {
  return {
    name: options.name,
    description: options.description,
    oneShot: options.oneShot ?? false,
    load(deps, raw, source) {
      const config = parseConfig(options.schema, raw, source);
      return { service: options.create(deps, config), config };
    },
    validate: (raw, source) => parseConfig(options.schema, raw, source),
  };
}

/** Every service, in pipeline order. */
export const SERVICES: readonly ServiceEntry[] = [
  defineService({
    name: "seeder",
    description: "add the relays of a seed file as candidates (one-shot)",
    schema: seederConfigSchema,
    create: createSeeder,
    oneShot: true,
  }),
  defineService({
    name: "finder",
    description: "find relay URLs in archived events and HTTP JSON sources; add them as candidates",
    schema: finderConfigSchema,
    create: createFinder,
  }),
  defineService({
    name: "validator",
    description: "probe candidates and promote those that answer like a Nostr relay",
    schema: validatorConfigSchema,
    create: (deps, config) => createValidator(deps, config),
  }),
  defineService({
    name: "refresher",
    description: "refresh the statistics views in dependency order",
    schema: refresherConfigSchema,
    create: createRefresher,
  }),
];
