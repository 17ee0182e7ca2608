/**
 * JSON answers with a strong ETag computed from the serialised body (SHA-1, synchronously:
 * hashing the text costs microseconds, where a middleware re-reading the response stream
 * costs more than the request), and 304 Not Modified when the client already holds it.
 */
import { createHash } from "node:crypto";
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";

export function jsonWithEtag<T>(
  c: Context,
  data: T,
): Response & TypedResponse<JSONParsed<T>, 200, "json"> {
  const text = JSON.stringify(data);
  const etag = `"${createHash("sha1").update(text).digest("base64url")}"`;
  c.header("ETag", etag);
  const held = c.req.header("if-none-match");
  if (held?.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) {
    return c.body(null, 304) as never;
  }
  c.header("Content-Type", "application/json");
  return c.body(text, 200) as never;
}
