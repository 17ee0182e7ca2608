import type pg from "pg";
import { NotFoundError } from "../../models/errors.js";
import { DataIntegrityError, toDbError } from "./errors.js";
import type { Db } from "./pool.js";

type Params = readonly unknown[];

/**
 * A statement the server prepares once per connection under `name` and then runs without
 * parsing or planning it again (after its first five runs PostgreSQL keeps one generic plan
 * when that plan costs no more than the ones made for the values). For hot reads whose best
 * plan does not depend on the values: planning a statement over the 16 event partitions costs
 * more than running it. Protocol-level prepared statements work through PgBouncer 1.21+ in
 * transaction mode (max_prepared_statements). Every other statement is sent unnamed and
 * planned for its values, which is what NULL-folded optional filters need.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

export type Statement = string | NamedStatement;

/**
 * Every statement goes through here: driver errors leave as DbErrors. The whole result (rows
 * and rowCount), for a caller that needs both; the helpers below say what they expect.
 */
export async function query<R extends pg.QueryResultRow>(
  db: Db,
  text: Statement,
  params: Params = [],
): Promise<pg.QueryResult<R>> {
  try {
    return typeof text === "string"
      ? await db.query<R>(text, params as unknown[])
      : await db.query<R>({ name: text.name, text: text.text, values: params as unknown[] });
  } catch (error) {
    throw toDbError(error);
  }
}

async function rows<R extends pg.QueryResultRow>(
  db: Db,
  text: Statement,
  params: Params,
): Promise<R[]> {
  return (await query<R>(db, text, params)).rows;
}

/**
 * Exactly one row, else NotFoundError (none) or DataIntegrityError (several).
 * @public the cardinality helpers every query module may use (house style)
 */
export async function one<R extends pg.QueryResultRow>(
  db: Db,
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
  db: Db,
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
  db: Db,
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
  db: Db,
  text: Statement,
  params: Params = [],
): Promise<R[]> {
  return rows<R>(db, text, params);
}

/** Rows affected by a statement, as a number (0 when the driver reports none). */
export async function affected(db: Db, text: string, params: Params = []): Promise<number> {
  const result = await query(db, text, params);
  return result.rowCount ?? 0;
}

/** Runs a statement for its effect alone (a lock, a SET, DDL). */
export async function exec(db: Db, text: string, params: Params = []): Promise<void> {
  await query(db, text, params);
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
