/**
 * What the environment adds to a deployment's config, checked before anything starts: the
 * database URL (named by `database.url_env`, DATABASE_URL by default) and the port overrides
 * that let a second copy of a deployment (the offline demo, a walkthrough, a test) run beside
 * the first without copying its config folder. Every problem is a ConfigError naming the
 * variable (exit code 2), never its password.
 */
import type { BrotrConfig } from "../core/config/schemas.js";
import { ConfigError } from "../models/errors.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Port overrides: the variable and what it replaces. */
export const PORT_VARIABLES = {
  /** The embedded PostgreSQL server (brotr.yaml `database.embedded.port`). */
  db: "BIGBROTR_DB_PORT",
  /** The API and explorer (`server.port` of services/api.yaml). */
  api: "BIGBROTR_API_PORT",
  /** The read-only Nostr relay (`server.port` of services/relay.yaml). */
  relay: "BIGBROTR_RELAY_PORT",
  /** The metrics server (brotr.yaml `metrics.port`, and a single service's own). */
  metrics: "BIGBROTR_METRICS_PORT",
} as const;

/** Containers bind the relay to all interfaces through this variable; the files say loopback. */
export const RELAY_HOST_VARIABLE = "BIGBROTR_RELAY_HOST";

/**
 * relay.yaml's `server` address as the environment amends it (BIGBROTR_RELAY_HOST,
 * BIGBROTR_RELAY_PORT; unset or empty: the file's): where `bigbrotr relay` listens, and so
 * where `bigbrotr status` asks it.
 */
export function relayAddress<T extends { host: string; port: number }>(server: T, env: Env): T {
  const host = env[RELAY_HOST_VARIABLE]?.trim() || server.host;
  const port = portFromEnv(env, PORT_VARIABLES.relay) ?? server.port;
  return { ...server, host, port };
}

const SCHEMES = new Set(["postgres:", "postgresql:"]);
const EXAMPLE = "postgres://user:password@host:5432/database";

/** A URL's text with its password replaced, for messages. */
function hidePassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, "$1***@");
}

/** Why `value` is not a usable PostgreSQL URL, or null when it is. */
export function databaseUrlProblem(value: string): string | null {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1];
  if (scheme === undefined) return `not a URL (expected ${EXAMPLE})`;
  if (!SCHEMES.has(`${scheme.toLowerCase()}:`)) {
    return `scheme ${scheme}:// is not PostgreSQL's (postgres:// or postgresql://)`;
  }
  const authority = /^[^/]*\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/.exec(value);
  const port = authority?.[2];
  if (port !== undefined && port !== "") {
    const n = Number(port);
    if (!/^[0-9]+$/.test(port) || n < 1 || n > 65_535) {
      return `port ${port} is not a port number (1 to 65535)`;
    }
  }
  // A Unix socket is named by ?host=/path; otherwise the URL needs a host.
  if (!authority?.[1] && !/[?&]host=[^&]/.test(value)) return "no host";
  try {
    new URL(value);
  } catch {
    return `not a parseable URL (expected ${EXAMPLE})`;
  }
  return null;
}

/** The database URL from the variable `name`, checked; undefined when it is unset or empty. */
export function databaseUrlFromEnv(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  const problem = databaseUrlProblem(value);
  if (problem !== null) {
    throw new ConfigError(`${name}=${hidePassword(value)}: ${problem}`);
  }
  return value;
}

/** A port from the variable `name`; undefined when it is unset or empty. */
export function portFromEnv(env: Env, name: string): number | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > 65_535) {
    throw new ConfigError(`${name}=${value} is not a port number (1 to 65535)`);
  }
  return n;
}

/**
 * brotr.yaml as the environment amends it: the database URL checked (a bad one fails here,
 * before any server is started or key loaded), the embedded and metrics ports overridden.
 */
export function applyEnvironment(brotr: BrotrConfig, env: Env): BrotrConfig {
  databaseUrlFromEnv(env, brotr.database.url_env);
  const dbPort = portFromEnv(env, PORT_VARIABLES.db);
  const metricsPort = portFromEnv(env, PORT_VARIABLES.metrics);
  portFromEnv(env, PORT_VARIABLES.api); // applied by the API's entry (services.ts)
  portFromEnv(env, PORT_VARIABLES.relay); // and the relay's
  if (dbPort === undefined && metricsPort === undefined) return brotr;
  const { database, metrics } = brotr;
  return Object.freeze({
    ...brotr,
    database: {
      ...database,
      embedded: { ...database.embedded, port: dbPort ?? database.embedded.port },
    },
    metrics: { ...metrics, port: metricsPort ?? metrics.port },
  });
}
