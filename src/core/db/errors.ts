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
  if (code === "40001" || code === "40P01")
    return new SerializationFailure(message, code, { cause: error });
  if (code.startsWith("08") || code.startsWith("57P") || NETWORK.has(code))
    return new ConnectionLost(message, code, { cause: error });
  return new DbError(message, code, { cause: error });
}

/** A query returned a different number of rows than its caller's contract allows. */
export class DataIntegrityError extends DbError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, undefined, options);
  }
}
