/**
 * Opaque keyset cursors: base64url of a small JSON array tagged with what it pages, so a
 * cursor of one route or sort order is refused by another (400), and a mangled one too. The
 * position inside is the last item of the previous page; never an offset.
 */
import { ApiError } from "./errors.js";

export function encodeCursor(kind: string, position: readonly unknown[]): string {
  return Buffer.from(JSON.stringify([kind, ...position])).toString("base64url");
}

/** The position of a cursor of `kind`, checked by `valid`; a 400 naming query.cursor otherwise. */
export function decodeCursor<T extends unknown[]>(
  cursor: string,
  kind: string,
  valid: (position: unknown[]) => position is T,
): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed[0] === kind) {
    const position = parsed.slice(1);
    if (valid(position)) return position;
  }
  throw new ApiError(400, "bad_request", "invalid query.cursor: not a cursor of this listing", {
    issues: [
      { path: "query.cursor", message: "not a cursor of this listing (or of another sort)" },
    ],
  });
}
