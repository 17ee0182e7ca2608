/**
 * JSON answers with a strong ETag computed from the serialised body (SHA-1, synchronously:
 * hashing the text costs microseconds, where a middleware re-reading the response stream
 * costs more than the request), and 304 Not Modified when the client already holds it.
 *
 * A prepared answer is kept as bytes and sent again as they are (the relay routes keep one
 * per snapshot and query): no serialising, encoding or hashing per request. Kept answers are
 * also compressed, once, for the clients that accept it (br, else gzip), each coding with its
 * own ETag (the identity ETag and a suffix), so a cache never mixes them up.
 */
import { createHash } from "node:crypto";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";

type Coding = "br" | "gzip";

export interface PreparedJson<T> {
  /** The JSON text as UTF-8. */
  readonly body: Buffer<ArrayBuffer>;
  readonly etag: string;
  /** Compressed bodies, made on the first request that accepts each. */
  readonly coded: Map<Coding, Buffer<ArrayBuffer>>;
  /** Phantom: the type the text encodes. */
  readonly data?: T;
}

/** Below this, compressing saves less than it costs. */
const COMPRESS_FROM_BYTES = 1024;

export function prepareJson<T>(data: T): PreparedJson<T> {
  return prepareJsonText<T>(JSON.stringify(data));
}

/** An answer already serialised (parts spliced as JSON text, never parsed again). */
export function prepareJsonText<T>(text: string): PreparedJson<T> {
  const body = Buffer.from(text);
  const etag = `"${createHash("sha1").update(body).digest("base64url")}"`;
  return { body, etag, coded: new Map() };
}

/** The coding to send `prepared` in for this Accept-Encoding, or null for identity. */
function codingFor(accept: string | undefined, prepared: PreparedJson<unknown>): Coding | null {
  if (accept === undefined || prepared.body.length < COMPRESS_FROM_BYTES) return null;
  const offered = accept
    .split(",")
    .map((part) => part.trim().split(";"))
    .filter(([, q]) => q === undefined || !/^\s*q=0(\.0*)?\s*$/.test(q))
    .map(([name]) => name?.trim().toLowerCase());
  if (offered.includes("br")) return "br";
  if (offered.includes("gzip")) return "gzip";
  return null;
}

function coded(prepared: PreparedJson<unknown>, coding: Coding): Buffer<ArrayBuffer> {
  let body = prepared.coded.get(coding);
  if (body === undefined) {
    body =
      coding === "br"
        ? brotliCompressSync(prepared.body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 5,
              [constants.BROTLI_PARAM_SIZE_HINT]: prepared.body.length,
            },
          })
        : gzipSync(prepared.body);
    prepared.coded.set(coding, body);
  }
  return body;
}

/** The identity ETag without quotes and coding suffix: what every coding of one answer shares. */
const etagBase = (tag: string) =>
  tag
    .trim()
    .replace(/^W\//, "")
    .replace(/^"|"$/g, "")
    .replace(/-(br|gzip)$/, "");

/**
 * Sends `prepared`, or 304 when If-None-Match names it (in any coding). With `compress`, in
 * the best coding the client accepts.
 */
export function sendJson<T>(
  c: Context,
  prepared: PreparedJson<T>,
  options: { compress?: boolean } = {},
): Response & TypedResponse<JSONParsed<T>, 200, "json"> {
  const coding = options.compress ? codingFor(c.req.header("accept-encoding"), prepared) : null;
  const etag = coding === null ? prepared.etag : `${prepared.etag.slice(0, -1)}-${coding}"`;
  c.header("ETag", etag);
  if (options.compress) c.header("Vary", "Accept-Encoding", { append: true });
  const held = c.req.header("if-none-match");
  const base = etagBase(prepared.etag);
  if (held?.split(",").some((t) => etagBase(t) === base)) {
    return c.body(null, 304) as never;
  }
  c.header("Content-Type", "application/json");
  if (coding === null) return c.body(prepared.body, 200) as never;
  c.header("Content-Encoding", coding);
  return c.body(coded(prepared, coding), 200) as never;
}

export function jsonWithEtag<T>(c: Context, data: T) {
  return sendJson(c, prepareJson(data));
}
