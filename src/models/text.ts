/**
 * Text PostgreSQL cannot hold: U+0000 (text and jsonb refuse it) and UTF-16 surrogates without
 * their pair (a JS string can hold one; UTF-8 cannot, so it would be stored as U+FFFD, or
 * refused by jsonb as an escape).
 */
export const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL cannot store `s` as text, or null when it can. */
export function unstorableTextReason(s: string): string | null {
  if (s.includes("\u0000")) return "contains a NUL character (U+0000)";
  if (LONE_SURROGATE.test(s)) return "contains a lone UTF-16 surrogate (not Unicode text)";
  return null;
}

const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

/**
 * `s` with each NUL and lone surrogate replaced by U+FFFD: for free text from outside (a
 * relay's CLOSED message or close reason) that we keep as a reason, not as data.
 */
export function storableText(s: string): string {
  if (unstorableTextReason(s) === null) return s;
  return s.replaceAll("\u0000", "\ufffd").replace(LONE_SURROGATES, "\ufffd");
}

const ARRAY_SPECIAL = /["\\]/g;

/**
 * A PostgreSQL array literal (`{"a","b"}`) for a text[] value; every element is quoted, so
 * commas, braces, spaces and the word NULL need no further care.
 */
export function textArrayLiteral(values: readonly string[]): string {
  if (values.length === 0) return "{}";
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string;
    out += `${i === 0 ? "" : ","}"${v.replace(ARRAY_SPECIAL, "\\$&")}"`;
  }
  return `${out}}`;
}
