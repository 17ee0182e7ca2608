import type pg from "pg";
import { NotFoundError } from "../../models/errors.js";
import { DataIntegrityError } from "./errors.js";
import { type Queryable, withTransaction } from "./pool.js";

/** A pool (the function opens its own transaction) or a client already inside one. */
export type TxCapable = pg.Pool | pg.PoolClient;

type Params = readonly unknown[];

async function rows<R extends pg.QueryResultRow>(
  db: Queryable,
  text: string,
  params: Params,
): Promise<R[]> {
  const result = await db.query<R>(text, params as unknown[]);
  return result.rows;
}

/**
 * Exactly one row, else NotFoundError (none) or DataIntegrityError (several).
 * @public the cardinality helpers every query module may use (house style)
 */
export async function one<R extends pg.QueryResultRow>(
  db: Queryable,
  text: string,
  params: Params = [],
): Promise<R> {
  const found = await rows<R>(db, text, params);
  const [first] = found;
  if (first === undefined) throw new NotFoundError("query returned no row, expected one");
  if (found.length > 1)
    throw new DataIntegrityError(`query returned ${found.length} rows, expected one`);
  return first;
}

/**
 * At most one row (null when none), else DataIntegrityError.
 * @public the cardinality helpers every query module may use (house style)
 */
export async function maybeOne<R extends pg.QueryResultRow>(
  db: Queryable,
  text: string,
  params: Params = [],
): Promise<R | null> {
  const found = await rows<R>(db, text, params);
  if (found.length > 1) {
    throw new DataIntegrityError(`query returned ${found.length} rows, expected at most one`);
  }
  return found[0] ?? null;
}

/**
 * At least one row, else NotFoundError.
 * @public the cardinality helpers every query module may use (house style)
 */
export async function many<R extends pg.QueryResultRow>(
  db: Queryable,
  text: string,
  params: Params = [],
): Promise<R[]> {
  const found = await rows<R>(db, text, params);
  if (found.length === 0) throw new NotFoundError("query returned no row, expected at least one");
  return found;
}

/**
 * Any number of rows (a typed shorthand for `db.query(...).rows`).
 * @public the cardinality helpers every query module may use (house style)
 */
export async function any<R extends pg.QueryResultRow>(
  db: Queryable,
  text: string,
  params: Params = [],
): Promise<R[]> {
  return rows<R>(db, text, params);
}

/** Rows affected by a statement, as a number (0 when the driver reports none). */
export async function affected(db: Queryable, text: string, params: Params = []): Promise<number> {
  const result = await db.query(text, params as unknown[]);
  return result.rowCount ?? 0;
}

/** Comparator by a string key (code unit order; for hex and URLs the same as bytea/C order). */
export function compareBy<T>(key: (row: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/**
 * One row per key, in first-seen order, so a batch with repeats never trips a unique key:
 * `keep` says whether the first or the last row of a key wins.
 */
export function uniqueBy<T>(
  rows: readonly T[],
  key: (row: T) => string,
  keep: "first" | "last" = "first",
): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    if (keep === "last" || !byKey.has(k)) byKey.set(k, row);
  }
  return [...byKey.values()];
}

function isClient(db: TxCapable): db is pg.PoolClient {
  return "release" in db;
}

/**
 * Runs `fn` on one connection inside a transaction. With a pool, a transaction of its own;
 * with a client, a savepoint inside the caller's transaction (which fails loudly, with
 * "SAVEPOINT can only be used in transaction blocks", if the client is not in one).
 */
export async function inTransaction<T>(
  db: TxCapable,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  if (!isClient(db)) return withTransaction(db, fn);
  await db.query("SAVEPOINT bigbrotr_write");
  try {
    const result = await fn(db);
    await db.query("RELEASE SAVEPOINT bigbrotr_write");
    return result;
  } catch (error) {
    await db.query("ROLLBACK TO SAVEPOINT bigbrotr_write").catch(() => {});
    throw error;
  }
}
