/**
 * JSON answers with a strong ETag computed from the serialised body (SHA-1, synchronously:
 * hashing the text costs microseconds, where a middleware re-reading the response stream
 * costs more than the request), and 304 Not Modified when the client already holds it.
 * A prepared body can be kept and sent again (the relay routes keep one per snapshot and query).
 */
import { createHash } from "node:crypto";
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";

export interface PreparedJson<T> {
  readonly text: string;
  readonly etag: string;
  /** Phantom: the type the text encodes. */
  readonly data?: T;
}

export function prepareJson<T>(data: T): PreparedJson<T> {
  const text = JSON.stringify(data);
  return { text, etag: `"${createHash("sha1").update(text).digest("base64url")}"` };
}

export function sendJson<T>(
  c: Context,
  prepared: PreparedJson<T>,
): Response & TypedResponse<JSONParsed<T>, 200, "json"> {
  c.header("ETag", prepared.etag);
  const held = c.req.header("if-none-match");
  if (held?.split(",").some((t) => t.trim().replace(/^W\//, "") === prepared.etag)) {
    return c.body(null, 304) as never;
  }
  c.header("Content-Type", "application/json");
  return c.body(prepared.text, 200) as never;
}

export function jsonWithEtag<T>(c: Context, data: T) {
  return sendJson(c, prepareJson(data));
}
