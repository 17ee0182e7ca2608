/**
 * The API's one HTTP error type and its stable JSON body:
 * `{"error": {"status": 400, "code": "bad_request", "message": "…", "issues": [{"path", "message"}]}}`.
 * Every failure a client sees goes through `errorResponse`; nothing else writes an error body,
 * and no stack trace or SQL ever leaves the server.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { ConnectionLost, DbError, UnstorableText } from "../core/db/errors.js";
import { BrotrError, NotFoundError } from "../models/errors.js";

export type ApiErrorCode =
  | "bad_request"
  | "unauthorized"
  | "not_found"
  | "rate_limited"
  | "timeout"
  | "unavailable"
  | "internal";

export interface ApiIssue {
  /** Where the problem is: `query.limit`, `path.url`, `query.#e[2]`. */
  path: string;
  message: string;
}

export class ApiError extends BrotrError {
  readonly status: ContentfulStatusCode;
  readonly code: ApiErrorCode;
  readonly issues: readonly ApiIssue[];
  /** Extra response headers (Retry-After). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    status: ContentfulStatusCode,
    code: ApiErrorCode,
    message: string,
    options: {
      issues?: readonly ApiIssue[];
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.issues = options.issues ?? [];
    this.headers = options.headers ?? {};
  }
}

/** `query.#e[2]` from a zod path and the request part it came from. */
export function issuePath(part: string, path: readonly PropertyKey[]): string {
  let out = part;
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
  return out;
}

/** A 400 listing each zod issue with its path. */
export function badRequest(part: string, issues: readonly z.core.$ZodIssue[]): ApiError {
  const list = issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? i.keys.map((k) => ({ path: issuePath(part, [...i.path, k]), message: "unknown parameter" }))
      : [{ path: issuePath(part, i.path), message: i.message }],
  );
  const first = list[0];
  const message = first ? `invalid ${first.path}: ${first.message}` : `invalid ${part}`;
  return new ApiError(400, "bad_request", message, { issues: list });
}

const QUERY_CANCELED = "57014";

/** What a thrown value means to a client. Unknown errors are 500 with a generic message. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof NotFoundError) return new ApiError(404, "not_found", error.message);
  if (error instanceof ConnectionLost) {
    return new ApiError(503, "unavailable", "the database is unavailable", {
      headers: { "Retry-After": "5" },
      cause: error,
    });
  }
  if (error instanceof UnstorableText) {
    const message =
      "the request holds text the database cannot store (a NUL character or invalid Unicode)";
    return new ApiError(400, "bad_request", message, { cause: error });
  }
  if (error instanceof DbError && error.code === QUERY_CANCELED) {
    return new ApiError(504, "timeout", "the query took too long; narrow the request", {
      cause: error,
    });
  }
  return new ApiError(500, "internal", "internal error", { cause: error });
}

export interface ErrorBody {
  error: { status: number; code: ApiErrorCode; message: string; issues?: ApiIssue[] };
}

/** The one place an error response is written. */
export function errorResponse(c: Context, error: ApiError): Response {
  const body: ErrorBody = {
    error: { status: error.status, code: error.code, message: error.message },
  };
  if (error.issues.length > 0) body.error.issues = [...error.issues];
  for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
  c.header("Cache-Control", "no-store");
  return c.json(body, error.status);
}
