import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { toDbError } from "./errors.js";

/**
 * Helpers for `COPY … FROM STDIN` in PostgreSQL's text format: one row per line, columns
 * separated by TAB, `\N` for NULL, and backslash escapes for backslash, TAB, LF and CR.
 */

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/** Escapes a text value for one column of a text-format COPY row. */
export function copyText(value: string): string {
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c] ?? c);
}

/** A bytea column from lowercase hex: `\x…` in bytea's input syntax, its backslash escaped. */
export function copyByteaHex(hex: string): string {
  return `\\\\x${hex}`;
}

/** Groups lines into chunks of about `chunkChars` characters to keep stream writes few. */
function* chunked(lines: Iterable<string>, chunkChars = 256 * 1024): Generator<string> {
  let buffer: string[] = [];
  let size = 0;
  for (const line of lines) {
    buffer.push(line);
    size += line.length;
    if (size >= chunkChars) {
      yield buffer.join("");
      buffer = [];
      size = 0;
    }
  }
  if (buffer.length > 0) yield buffer.join("");
}

/**
 * Streams `lines` (each a complete row ending in "\n") through `COPY <target> FROM STDIN`
 * on `client`; resolves with the number of rows PostgreSQL reports. Errors leave as DbErrors.
 */
export async function copyLines(
  client: pg.ClientBase,
  statement: string,
  lines: Iterable<string>,
): Promise<number> {
  const stream = client.query(copyFrom(statement));
  try {
    await pipeline(Readable.from(chunked(lines), { objectMode: false }), stream);
  } catch (error) {
    throw toDbError(error);
  }
  return stream.rowCount;
}
