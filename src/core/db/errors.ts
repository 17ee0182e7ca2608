import pg from "pg";
import { BrotrError } from "../../models/errors.js";

/** A database failure, classified by SQLSTATE so callers can branch on what happened. */
export class DbError extends BrotrError {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
export class UniqueViolation extends DbError {}
export class ForeignKeyViolation extends DbError {}
export class SerializationFailure extends DbError {}
export class ConnectionLost extends DbError {}
export class MigrationError extends DbError {}
/**
 * Text the server cannot hold: a NUL character (22021, character_not_in_repertoire) or a
 * `\u0000` escape in jsonb (22P05, untranslatable_character). Bad input, not a fault of ours.
 */
export class UnstorableText extends DbError {}

const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND"]);

function codeOf(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/** Maps a driver error to the DbError family (other values pass through unchanged). */
export function classifyDbError(error: unknown): unknown {
  if (error instanceof DbError || !(error instanceof Error)) return error;
  const code = codeOf(error);
  if (code === undefined) return error;
  const message = error.message;
  if (code === "23505") return new UniqueViolation(message, code, { cause: error });
  if (code === "23503") return new ForeignKeyViolation(message, code, { cause: error });
  if (code === "22021" || code === "22P05")
    return new UnstorableText(message, code, { cause: error });
  if (code === "40001" || code === "40P01")
    return new SerializationFailure(message, code, { cause: error });
  if (code.startsWith("08") || code.startsWith("57P") || NETWORK.has(code))
    return new ConnectionLost(message, code, { cause: error });
  return new DbError(message, code, { cause: error });
}

// pg's own errors for a connection that failed or dropped carry no code, only these messages;
// "Query read timeout" is a statement that got no answer within the pool's query_timeout
// (pool.ts: its statement timeout and a grace), so the server is not answering at all.
// (A pool's "timeout exceeded when trying to connect" is not here: that is our own pool being
// full, which says nothing about the server.)
const UNCODED_CONNECTION_FAILURES = [
  /^Connection terminated( unexpectedly| due to connection timeout)?$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Query read timeout$/,
];

/** The error, its `cause` chain and an AggregateError's members, breadth first. */
function* causes(error: unknown): Generator<unknown> {
  const queue = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && seen.size < 20) {
    const e = queue.shift();
    if (seen.has(e)) continue;
    seen.add(e);
    yield e;
    if (e instanceof AggregateError) queue.push(...(e.errors as unknown[]));
    if (e instanceof Error && e.cause !== undefined) queue.push(e.cause);
  }
}

/** A readable reason: Node leaves an AggregateError's own message empty. */
function reasonOf(error: Error): string {
  if (error.message) return error.message;
  const inner = error instanceof AggregateError ? (error.errors[0] as unknown) : undefined;
  if (inner instanceof Error && inner.message) return inner.message;
  return codeOf(error) ?? error.name;
}

/**
 * The database could not be reached: connection refused or reset, the server shutting down
 * or terminating us, a connect timeout. Looks through `cause` chains and AggregateError
 * (Node tries every address of "localhost"). Returns it as a ConnectionLost whose message is
 * the reason, or undefined when the error is anything else (a query the server refused, a bug).
 */
export function asConnectionLost(error: unknown): ConnectionLost | undefined {
  for (const e of causes(error)) {
    if (e instanceof ConnectionLost) return e;
    if (!(e instanceof Error)) continue;
    const code = codeOf(e);
    if (classifyDbError(e) instanceof ConnectionLost) {
      return new ConnectionLost(reasonOf(e), code, { cause: e });
    }
    if (code === undefined && UNCODED_CONNECTION_FAILURES.some((re) => re.test(e.message))) {
      return new ConnectionLost(e.message, undefined, { cause: e });
    }
  }
  return undefined;
}

const POOL_TIMEOUT = "timeout exceeded when trying to connect";

/**
 * pg-pool's own error when no connection of the pool came free within its connection
 * timeout: the pool is full (of statements the server is slow to answer, or that hang on a
 * stalled server). Not a ConnectionLost: it says nothing certain about the server.
 */
export function isPoolTimeout(error: unknown): boolean {
  for (const e of causes(error)) {
    if (e instanceof Error && codeOf(e) === undefined && e.message === POOL_TIMEOUT) return true;
  }
  return false;
}

/**
 * The database was unavailable to a caller: unreachable or not answering (asConnectionLost),
 * or no connection of its pool came free within the connection timeout, which is what a
 * frozen server does to a pool whose connections all wait on it. Outages (core/db-outage.ts)
 * are recognised by this.
 */
export function asUnavailable(error: unknown): ConnectionLost | undefined {
  const lost = asConnectionLost(error);
  if (lost !== undefined || !isPoolTimeout(error)) return lost;
  const reason = "no database connection came free within the connection timeout";
  return new ConnectionLost(reason, undefined, { cause: error });
}

/**
 * What the query path throws: a DbError subclass for an error of the server (SQLSTATE) or of
 * the connection (reset socket, "Connection terminated", a client that lost its connection),
 * anything else unchanged (a bug, or an error of the caller's own code inside a transaction,
 * which must not be mistaken for a database failure).
 */
export function toDbError(error: unknown): unknown {
  if (error instanceof DbError || !(error instanceof Error)) return error;
  if (error instanceof pg.DatabaseError) return classifyDbError(error);
  const code = codeOf(error);
  if (code === undefined) {
    const uncoded = UNCODED_CONNECTION_FAILURES.some((re) => re.test(error.message));
    return uncoded ? new ConnectionLost(error.message, undefined, { cause: error }) : error;
  }
  return NETWORK.has(code) ? new ConnectionLost(reasonOf(error), code, { cause: error }) : error;
}

/**
 * A failure of the database's, however deep it was wrapped: a DbError in the error's cause
 * chain (only the query path makes them), or pg-pool's connect timeout. A relay client that
 * wraps what its signature check's archive lookup threw is then not blamed on the relay.
 */
export function isDatabaseFailure(error: unknown): boolean {
  for (const e of causes(error)) if (e instanceof DbError) return true;
  return isPoolTimeout(error);
}

/** A query returned a different number of rows than its caller's contract allows. */
export class DataIntegrityError extends DbError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, undefined, options);
  }
}
