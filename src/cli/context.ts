import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { parseConfig, readYamlFile } from "../core/config/load.js";
import { type BrotrConfig, brotrConfigSchema } from "../core/config/schemas.js";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../core/db/embedded.js";
import { type EmbeddedSupervisor, superviseEmbedded } from "../core/db/embedded-supervisor.js";
import { type MigrateResult, migrate } from "../core/db/migrate.js";
import { createPool } from "../core/db/pool.js";
import { createLogger, type Logger, type LogLevel, redactUrl } from "../core/logger.js";
import { ConfigError } from "../models/errors.js";
import { applyEnvironment, databaseUrlFromEnv } from "./environment.js";

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface GlobalOptions {
  configDir?: string;
  logLevel?: LogLevel;
  logFormat?: "auto" | "text" | "json";
}

/**
 * The deployment config folder: --config-dir, $BIGBROTR_CONFIG_DIR, ./deployments/bigbrotr/config,
 * or the package's own. A folder named by the option or the variable must exist: a typo never
 * falls back to the defaults (and a new cluster in ./data).
 */
export function resolveConfigDir(option: string | undefined): string {
  const from = option === undefined ? "BIGBROTR_CONFIG_DIR" : "--config-dir";
  const explicit = option ?? process.env.BIGBROTR_CONFIG_DIR;
  if (explicit) {
    const dir = resolve(explicit);
    const info = statSync(dir, { throwIfNoEntry: false });
    if (info === undefined) throw new ConfigError(`${from} ${explicit}: no such folder (${dir})`);
    if (!info.isDirectory()) throw new ConfigError(`${from} ${explicit}: not a folder (${dir})`);
    return dir;
  }
  const local = resolve("deployments/bigbrotr/config");
  return existsSync(local) ? local : join(PACKAGE_ROOT, "deployments", "bigbrotr", "config");
}

/** brotr.yaml of `configDir`, amended and checked by the environment (cli/environment.ts). */
export async function loadBrotrConfig(configDir: string): Promise<BrotrConfig> {
  const path = join(configDir, "brotr.yaml");
  const brotr = parseConfig(brotrConfigSchema, await readYamlFile(path, true), path);
  return applyEnvironment(brotr, process.env);
}

/** The root logger; on stderr for commands whose stdout is data (export, import). */
export function makeLogger(
  brotr: BrotrConfig,
  options: GlobalOptions,
  destination: NodeJS.WriteStream = process.stdout,
): Logger {
  const format = options.logFormat ?? brotr.log.format;
  return createLogger({
    level: options.logLevel ?? (brotr.log.level as LogLevel),
    format: format === "auto" ? (destination.isTTY ? "text" : "json") : format,
    destination,
  });
}

export interface Database {
  /** Where the data lives, password removed (for logs). */
  readonly description: string;
  readonly url: string;
  readonly embedded: EmbeddedPostgres | undefined;
  /** A pool with brotr.yaml's settings; `statementTimeoutS` overrides its statement timeout. */
  pool(
    applicationName: string,
    urlOverride?: string,
    statementTimeoutS?: number,
    sessionSettings?: Readonly<Record<string, string>>,
  ): pg.Pool;
  migrate(): Promise<MigrateResult>;
  /**
   * Restarts the embedded server when it dies, if this process started it (see
   * core/db/embedded-supervisor.ts); `onGiveUp` when it cannot. No-op otherwise.
   */
  supervise(onGiveUp: () => void): void;
  /** Stops supervising, ends every pool, then leaves the embedded server (stopped if we were its last user). */
  close(): Promise<void>;
  /** Last resort on a forced exit: stop the embedded server synchronously. */
  stopNow(): void;
}

/** Connects to $DATABASE_URL (or the configured variable), or starts the embedded server. */
export async function openDatabase(brotr: BrotrConfig, log: Logger): Promise<Database> {
  const external = databaseUrlFromEnv(process.env, brotr.database.url_env);
  let embedded: EmbeddedPostgres | undefined;
  let url: string;
  if (external) {
    url = external;
  } else {
    const dataDir = resolve(brotr.database.embedded.data_dir);
    embedded = await startEmbeddedPostgres({ dataDir, port: brotr.database.embedded.port });
    url = embedded.url;
    log.info(
      { dataDir, port: embedded.port, adopted: !embedded.owned },
      "embedded_database_started",
    );
  }
  const pools: pg.Pool[] = [];
  const poolConfig = brotr.database.pool;
  let supervisor: EmbeddedSupervisor | undefined;
  return {
    description: redactUrl(url),
    url,
    embedded,
    pool(applicationName, urlOverride, statementTimeoutS, sessionSettings) {
      const pool = createPool({
        ...(sessionSettings ? { sessionSettings } : {}),
        url: urlOverride ?? url,
        applicationName,
        max: poolConfig.max,
        statementTimeoutMs: Math.round((statementTimeoutS ?? poolConfig.statement_timeout) * 1000),
        connectionTimeoutMs: poolConfig.connection_timeout * 1000,
      });
      pools.push(pool);
      return pool;
    },
    async migrate() {
      const pool = createPool({ url, max: 1, applicationName: "bigbrotr-migrate" });
      try {
        const options = { profile: brotr.profile, partitions: brotr.database.partitions };
        const result = await migrate(pool, options);
        if (result.applied.length > 0)
          log.info({ applied: result.applied.join(",") }, "migrations_applied");
        return result;
      } finally {
        await pool.end();
      }
    },
    supervise(onGiveUp) {
      if (!embedded?.owned || supervisor) return;
      supervisor = superviseEmbedded(embedded, { log, onGiveUp });
    },
    async close() {
      await supervisor?.stop();
      await Promise.all(pools.splice(0).map((p) => p.end().catch(() => {})));
      if (!embedded) return;
      const outcome = await embedded.stop();
      if (outcome.stopped) log.info("embedded_database_stopped");
      else log.info({ clients: outcome.clients }, "embedded_database_left_running");
    },
    stopNow() {
      embedded?.stopSync();
    },
  };
}
