import { z } from "zod";
import { LOG_LEVELS } from "../logger.js";

/** Seconds between cycle starts: 1 minute to 1 week (spec §2). */
export const intervalSchema = z.number().min(60).max(604_800);

export const metricsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  host: z.string().min(1).default("127.0.0.1"),
  port: z.int().min(0).max(65_535).default(8000),
  path: z.string().startsWith("/").default("/metrics"),
});

/** Fields every service config has. Each service adds its own section(s). */
export const serviceBaseShape = {
  enabled: z.boolean().default(true),
  interval: intervalSchema.default(300),
  max_consecutive_failures: z.int().min(0).max(100).default(5),
  metrics: metricsSchema.prefault({}),
  /** Per-statement timeout of this service's connections (seconds; default brotr.yaml's). */
  statement_timeout: z.number().min(0).max(3600).optional(),
  /** Env variable with a database URL for this service (e.g. a least-privilege role). */
  database_url_env: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .optional(),
};

const proxyUrl = z
  .string()
  .regex(/^socks5h?:\/\/[^\s/]+:\d+$/, "must look like socks5h://host:port");

function networkSchema(defaults: {
  enabled: boolean;
  max_tasks: number;
  timeout: number;
  proxy?: string;
}) {
  return z
    .strictObject({
      enabled: z.boolean().default(defaults.enabled),
      max_tasks: z.int().min(1).max(200).default(defaults.max_tasks),
      /** Seconds for one connection or check. */
      timeout: z.number().min(1).max(120).default(defaults.timeout),
      proxy: defaults.proxy ? proxyUrl.default(defaults.proxy) : proxyUrl.optional(),
    })
    .prefault({});
}

/** Per-network limits; a partial override keeps the other defaults (fixes the original's #89). */
export const networksSchema = z
  .strictObject({
    clearnet: networkSchema({ enabled: true, max_tasks: 30, timeout: 10 }),
    tor: networkSchema({
      enabled: false,
      max_tasks: 10,
      timeout: 30,
      proxy: "socks5h://127.0.0.1:9050",
    }),
    i2p: networkSchema({
      enabled: false,
      max_tasks: 5,
      timeout: 45,
      proxy: "socks5h://127.0.0.1:4447",
    }),
    loki: networkSchema({
      enabled: false,
      max_tasks: 5,
      timeout: 30,
      proxy: "socks5h://127.0.0.1:1080",
    }),
  })
  .prefault({});
export type NetworksConfig = z.output<typeof networksSchema>;
export type NetworkConfig = NetworksConfig["clearnet"];

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name");

/** brotr.yaml: what every service of one deployment shares. */
export const brotrConfigSchema = z.strictObject({
  profile: z.enum(["bigbrotr", "lilbrotr"]).default("bigbrotr"),
  database: z
    .strictObject({
      /** Env variable holding the server URL; when it is unset the embedded server is used. */
      url_env: envName.default("DATABASE_URL"),
      embedded: z
        .strictObject({
          data_dir: z.string().min(1).default("./data"),
          port: z.int().min(1024).max(65_535).default(54_329),
        })
        .prefault({}),
      partitions: z.int().min(1).max(256).default(16),
      pool: z
        .strictObject({
          max: z.int().min(1).max(100).default(5),
          statement_timeout: z.number().min(0).max(3600).default(300),
          connection_timeout: z.number().min(1).max(120).default(10),
        })
        .prefault({}),
    })
    .prefault({}),
  networks: networksSchema,
  /** Lift the SSRF guard (private/loopback addresses). Only for devnet and tests. */
  allow_private: z.boolean().default(false),
  nostr: z.strictObject({ private_key_env: envName.default("NOSTR_PRIVATE_KEY") }).prefault({}),
  log: z
    .strictObject({
      level: z.enum(LOG_LEVELS as [string, ...string[]]).default("info"),
      format: z.enum(["auto", "text", "json"]).default("auto"),
    })
    .prefault({}),
  /** Metrics server of `bigbrotr up` (all services in one process share it). */
  metrics: metricsSchema.prefault({}),
});
export type BrotrConfig = z.output<typeof brotrConfigSchema>;

const serviceBaseSchema = z.strictObject(serviceBaseShape);
/** The fields every service config has (what the runner needs to schedule it). */
export type ServiceBaseConfig = z.output<typeof serviceBaseSchema>;
