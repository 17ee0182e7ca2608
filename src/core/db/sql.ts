import type pg from "pg";
import { NotFoundError } from "../../models/errors.js";
import { DataIntegrityError, toDbError } from "./errors.js";
import { type Db, isPool } from "./pool.js";

type Params = readonly unknown[];

/**
 * A statement the server prepares once per connection under `name` and then runs without
 * parsing or planning it again (after its first five runs PostgreSQL keeps one generic plan
 * when that plan costs no more than the ones made for the values). For hot reads whose best
 * plan does not depend on the values: planning a statement over the 16 event partitions costs
 * more than running it. Every other statement is sent unnamed and planned for its values,
 * which is what NULL-folded optional filters need.
 *
 * Protocol-level prepared statements pass PgBouncer in transaction mode from 1.21 on
 * (max_prepared_statements > 0). Before that, a connection may find its statement missing on
 * the server it is handed (26000) or another client's there (42P05): a pool that answers so
 * once sends its statements unnamed from then on (planned each time, as before).
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

export type Statement = string | NamedStatement;

/** Pools whose server side refused a named statement (see NamedStatement). */
const UNNAMED_ONLY = new WeakSet<Db>();
const NAME_REFUSED = new Set(["26000", "42P05"]);

async function send<R extends pg.QueryResultRow>(
  db: Db,
  text: Statement,
  params: Params,
): Promise<pg.QueryResult<R>> {
  const values = params as unknown[];
  if (typeof text === "string") return db.query<R>(text, values);
  if (UNNAMED_ONLY.has(db)) return db.query<R>(text.text, values);
  try {
    return await db.query<R>({ name: text.name, text: text.text, values });
  } catch (error) {
    // Only a pool can send it again: on one connection a transaction may be aborted by now.
    if (!isPool(db) || !NAME_REFUSED.has((error as { code?: string }).code ?? "")) throw error;
    UNNAMED_ONLY.add(db);
    return db.query<R>(text.text, values);
  }
}

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
    return await send<R>(db, text, params);
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

/** True when the server answers a statement (a probe; never throws). */
export async function databaseAnswers(db: Db): Promise<boolean> {
  return exec(db, "SELECT 1").then(
    () => true,
    () => false,
  );
}

/** Counts by key: a statement returning rows (`key`, `n`), as a map (bigint counts as numbers). */
export async function countsBy<K extends string>(
  db: Db,
  text: string,
  params: Params = [],
): Promise<Map<K, number>> {
  const rows = await any<{ key: K; n: number | string }>(db, text, params);
  return new Map(rows.map((r) => [r.key, Number(r.n)]));
}
