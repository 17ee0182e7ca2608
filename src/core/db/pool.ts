import pg from "pg";

/** Anything that runs a query: a pool, a checked-out client, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

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
}

// BIGINT (int8) columns hold unix seconds and counts far below 2^53: return them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

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
  if (options.statementTimeoutMs) config.statement_timeout = options.statementTimeoutMs;
  const pool = new pg.Pool(config);
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return pool;
}

/** Runs `fn` inside one transaction on one connection; rolls back on any error. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
