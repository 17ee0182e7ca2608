import pg from "pg";

/**
 * The one database handle: a pool (each statement on any free connection; `transaction`
 * opens a transaction of its own) or one connection (a client checked out of a pool, usually
 * inside a transaction, which `transaction` then nests in with a savepoint).
 */
export type Db = pg.Pool | pg.ClientBase;

/** True for a pool, false for one connection. */
export function isPool(db: Db): db is pg.Pool {
  return "totalCount" in db;
}

export interface PoolOptions {
  url: string;
  /** Maximum connections (default 5). */
  max?: number;
  /** Shown in pg_stat_activity; set to the service name. */
  applicationName?: string;
  /** Per-statement timeout in ms (0 = none). */
  statementTimeoutMs?: number;
  /** How long to wait for a free connection (default 10 s). */
  connectionTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Server settings of every connection, sent when it opens (`-c name=value`). */
  sessionSettings?: Readonly<Record<string, string>>;
}

// BIGINT (int8) columns hold unix seconds and counts far below 2^53: return them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const ignore = () => {};

/**
 * The client's own limit on a statement is its statement timeout plus this: the server's cancel
 * (SQLSTATE 57014) normally comes first, but a server that answers nothing at all (stopped with
 * SIGSTOP, a hung host, a pooler that does not pass statement_timeout on) cannot cancel, and
 * without a limit of the client's own the statement, and the request waiting on it, hangs for
 * as long as it does.
 */
export const QUERY_TIMEOUT_GRACE_MS = 1000;

/**
 * Creates a pg pool. Statements are sent unnamed (no server-side prepared statements), so the
 * pool works unchanged through PgBouncer in transaction mode.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const config: pg.PoolConfig = {
    connectionString: options.url,
    max: options.max ?? 5,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    application_name: options.applicationName ?? "bigbrotr",
  };
  if (options.statementTimeoutMs) {
    config.statement_timeout = options.statementTimeoutMs;
    // "Query read timeout", a ConnectionLost (errors.ts): the connection is then discarded.
    config.query_timeout = options.statementTimeoutMs + QUERY_TIMEOUT_GRACE_MS;
  }
  const settings = Object.entries(options.sessionSettings ?? {});
  if (settings.length > 0) config.options = settings.map(([k, v]) => `-c ${k}=${v}`).join(" ");
  const pool = new pg.Pool(config);
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", ignore);
  // Nor a checked-out one between two queries (pg emits "error" when no query is active): its
  // next query then fails with "not queryable", which the query path maps to ConnectionLost.
  pool.on("connect", (client) => client.on("error", ignore));
  return pool;
}
