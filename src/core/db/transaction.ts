import type pg from "pg";
import { asConnectionLost, ConnectionLost, SerializationFailure, toDbError } from "./errors.js";
import { type Db, isPool } from "./pool.js";
import { exec } from "./sql.js";

export interface TransactionOptions {
  /**
   * How many times the whole function runs again after a transient failure (default 1), when
   * the transaction is our own (a pool was given): a serialization failure or deadlock (the
   * server rolled it back), or a lost connection before COMMIT was sent (nothing was
   * committed). A connection lost during COMMIT is never retried: the commit may have landed.
   */
  retries?: number;
  /** Delay before the first retry in ms (default 50), jittered to 50–150 %, doubling after. */
  retryDelayMs?: number;
}

type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; error: unknown; retryable: boolean; broken: boolean };

const ignore = () => {};

/** Rolls back; false when that failed too (the connection is then not fit to be reused). */
async function rollback(client: pg.ClientBase, to?: string): Promise<boolean> {
  const statement = to === undefined ? "ROLLBACK" : `ROLLBACK TO SAVEPOINT ${to}`;
  return exec(client, statement).then(
    () => true,
    () => false,
  );
}

/** BEGIN, fn, COMMIT on one connection; reports whether a failure may be retried. */
async function attempt<T>(
  pool: pg.Pool,
  fn: (client: pg.ClientBase) => Promise<T>,
): Promise<Attempt<T>> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (thrown) {
    const error = asConnectionLost(thrown) ?? toDbError(thrown);
    return { ok: false, error, retryable: error instanceof ConnectionLost, broken: false };
  }
  // A connection lost between two statements makes pg emit "error"; without a listener that
  // would crash the process. The next statement fails instead ("not queryable").
  client.on("error", ignore);
  let committing = false;
  let outcome: Attempt<T>;
  try {
    await exec(client, "BEGIN");
    const value = await fn(client);
    committing = true;
    await exec(client, "COMMIT");
    outcome = { ok: true, value };
  } catch (thrown) {
    const error = toDbError(thrown);
    const lost = error instanceof ConnectionLost;
    const broken = lost || !(await rollback(client));
    const retryable = error instanceof SerializationFailure || (lost && !committing);
    outcome = { ok: false, error, retryable, broken };
  }
  client.removeListener("error", ignore);
  // A broken connection is destroyed rather than handed to the next caller.
  client.release(!outcome.ok && outcome.broken);
  return outcome;
}

/** Inside the caller's transaction: a savepoint, rolled back to on failure; never retried. */
async function nested<T>(
  client: pg.ClientBase,
  fn: (client: pg.ClientBase) => Promise<T>,
): Promise<T> {
  const name = "bigbrotr_tx";
  await exec(client, `SAVEPOINT ${name}`);
  try {
    const value = await fn(client);
    await exec(client, `RELEASE SAVEPOINT ${name}`);
    return value;
  } catch (thrown) {
    await rollback(client, name);
    throw toDbError(thrown);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` on one connection inside a transaction and returns its result; errors of the
 * database leave as DbErrors (UniqueViolation, SerializationFailure, ConnectionLost…).
 *
 * - With a pool: a transaction of its own, committed when `fn` resolves, rolled back when it
 *   throws, and run again (see `retries`) after a transient failure. `fn` may therefore run
 *   more than once: it must do its work through the client and keep nothing else that a
 *   rolled-back attempt would leave wrong.
 * - With a client: a savepoint inside the caller's transaction (which fails loudly, with
 *   "SAVEPOINT can only be used in transaction blocks", if the client is not in one). Never
 *   retried: after a serialization failure the caller's whole transaction is lost, so only
 *   the caller can run it again.
 */
export async function transaction<T>(
  db: Db,
  fn: (client: pg.ClientBase) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (!isPool(db)) return nested(db, fn);
  const retries = options.retries ?? 1;
  const delay = options.retryDelayMs ?? 50;
  for (let n = 0; ; n++) {
    const result = await attempt(db, fn);
    if (result.ok) return result.value;
    if (!result.retryable || n >= retries) throw result.error;
    await sleep(delay * 2 ** n * (0.5 + Math.random()));
  }
}
