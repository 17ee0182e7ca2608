/**
 * The id hash of an EVENT frame's event taken from the frame's own text, without
 * re-serialising the parsed event (models/event.ts `serializeEventJson` + SHA-256).
 *
 * The hash input is `[0,<pubkey>,<created_at>,<kind>,<tags>,<content>]` with each value copied
 * verbatim from the frame. That text equals `serializeEventJson` of the parsed event exactly
 * when each copied value is what `JSON.stringify` writes for it, and the scanner accepts only
 * such values ("canonical"):
 * - strings whose only escapes are `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, with no raw
 *   control character and no unpaired surrogate (`\u` and `\/` escapes are not canonical);
 * - created_at and kind as plain decimal integers of at most 15 digits (no sign, fraction,
 *   exponent or leading zero);
 * - tags as arrays of arrays of canonical strings with no whitespace anywhere.
 * Under those conditions the strict NIP-01 form and the JSON.stringify form are the same
 * bytes too (they differ only on characters that need a `\u` escape or are lone surrogates),
 * so a match or mismatch here is the answer `hasValidId` would give. Anything else (escaped
 * or duplicate keys, an unexpected value, text the scanner does not follow) returns
 * undefined and the caller takes the full path. The caller must have parsed the same text
 * with JSON.parse first: the scanner assumes well-formed JSON and only guards its bounds.
 */
import { hash } from "node:crypto";
import { LONE_SURROGATE } from "../../models/text.js";

/** Fields whose raw text goes into the hash, in serialisation order. */
const FIELDS = ["pubkey", "created_at", "kind", "tags", "content"] as const;
type Field = (typeof FIELDS)[number];
const INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;
/** Characters that end a number or literal: whitespace, `,`, `]`, `}`. */
const ENDS_PRIMITIVE = new Set([0x20, 0x0a, 0x0d, 0x09, 0x2c, 0x5d, 0x7d]);
/** Anything that may make a literal's text differ from JSON.stringify's (most text has none). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const SUSPECT = /[\\\u0000-\u001f\ud800-\udfff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f]/;
const SURROGATE = /[\ud800-\udfff]/;
const SHORT_ESCAPES = new Set([0x22, 0x5c, 0x62, 0x66, 0x6e, 0x72, 0x74]); // " \ b f n r t

/**
 * Whether a string literal's text (quotes excluded) is what JSON.stringify writes for its
 * value: escapes only `\"` `\\` `\b` `\f` `\n` `\r` `\t`, no raw control character, no
 * unpaired surrogate. Native searches only: content is most of a frame.
 */
function isCanonicalBody(body: string): boolean {
  if (!SUSPECT.test(body)) return true;
  for (let j = body.indexOf("\\"); j >= 0; j = body.indexOf("\\", j + 2)) {
    if (!SHORT_ESCAPES.has(body.charCodeAt(j + 1))) return false;
  }
  if (SURROGATE.test(body) && LONE_SURROGATE.test(body)) return false; // lookbehind: slow
  return !CONTROL.test(body);
}

class Scanner {
  i = 0;
  /** Set when a value is not what JSON.stringify would write for it. */
  odd = false;
  constructor(readonly text: string) {}

  ws(): void {
    const t = this.text;
    let c = t.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      c = t.charCodeAt(++this.i);
    }
  }

  /**
   * At a `"`: moves past the closing quote (false when the text ends first) and, with
   * `check`, marks the literal odd unless JSON.stringify would write it so.
   */
  string(check = true): boolean {
    const t = this.text;
    const open = this.i;
    let from = open + 1;
    for (;;) {
      const quote = t.indexOf('"', from);
      if (quote < 0) return false;
      let k = quote - 1;
      while (t.charCodeAt(k) === 0x5c) k--;
      if ((quote - 1 - k) % 2 === 0) {
        if (check && !isCanonicalBody(t.slice(open + 1, quote))) this.odd = true;
        this.i = quote + 1;
        return true;
      }
      from = quote + 1;
    }
  }

  /** Skips any JSON value; false when the text ends or does not look like JSON. */
  value(depth = 0): boolean {
    if (depth > 64) return false;
    const t = this.text;
    const c = t.charCodeAt(this.i);
    if (c === 0x22) return this.string(false);
    if (c === 0x5b || c === 0x7b) return this.container(c === 0x7b ? 0x7d : 0x5d, depth);
    const start = this.i;
    while (this.i < t.length && !ENDS_PRIMITIVE.has(t.charCodeAt(this.i))) this.i++;
    return this.i > start;
  }

  /** At `[` or `{`: moves past the matching `close`. */
  container(close: number, depth: number): boolean {
    const t = this.text;
    this.i++;
    this.ws();
    if (t.charCodeAt(this.i) === close) {
      this.i++;
      return true;
    }
    for (;;) {
      if (close === 0x7d) {
        if (t.charCodeAt(this.i) !== 0x22 || !this.string(false)) return false;
        this.ws();
        if (t.charCodeAt(this.i++) !== 0x3a) return false;
        this.ws();
      }
      if (!this.value(depth + 1)) return false;
      this.ws();
      const c = t.charCodeAt(this.i++);
      if (c === close) return true;
      if (c !== 0x2c) return false;
      this.ws();
    }
  }
}

/** True when `raw` (the text of a tags value) is arrays of strings with no whitespace. */
function isPlainTags(s: Scanner, start: number, end: number): boolean {
  const t = s.text;
  if (t.charCodeAt(start) !== 0x5b) return false;
  // Outside strings only `[`, `]` and `,` may appear, and every leaf must be a string: walk
  // the structure again, two levels deep.
  let i = start + 1;
  if (t.charCodeAt(i) === 0x5d) return i + 1 === end;
  for (;;) {
    if (t.charCodeAt(i++) !== 0x5b) return false;
    if (t.charCodeAt(i) !== 0x5d) {
      for (;;) {
        if (t.charCodeAt(i) !== 0x22) return false;
        s.i = i;
        if (!s.string()) return false;
        i = s.i;
        if (t.charCodeAt(i) !== 0x2c) break;
        i++;
      }
    }
    if (t.charCodeAt(i++) !== 0x5d) return false;
    const c = t.charCodeAt(i++);
    if (c === 0x5d) return i === end;
    if (c !== 0x2c) return false;
  }
}

/** The [start, end) of each hashed field's value in the event object at `s.i`, or undefined. */
function fieldSlices(s: Scanner): Map<Field, [number, number]> | undefined {
  const t = s.text;
  const found = new Map<Field, [number, number]>();
  if (t.charCodeAt(s.i++) !== 0x7b) return undefined;
  s.ws();
  if (t.charCodeAt(s.i) === 0x7d) return found;
  for (;;) {
    const keyStart = s.i;
    if (t.charCodeAt(keyStart) !== 0x22 || !s.string(false)) return undefined;
    const key = t.slice(keyStart + 1, s.i - 1);
    if (key.includes("\\")) return undefined; // an escaped key may decode to a field name
    s.ws();
    if (t.charCodeAt(s.i++) !== 0x3a) return undefined;
    s.ws();
    const start = s.i;
    if (!s.value()) return undefined;
    if ((FIELDS as readonly string[]).includes(key)) {
      if (found.has(key as Field)) return undefined; // duplicate: JSON.parse keeps the last
      found.set(key as Field, [start, s.i]);
    }
    s.ws();
    const c = t.charCodeAt(s.i++);
    if (c === 0x7d) return found;
    if (c !== 0x2c) return undefined;
    s.ws();
  }
}

/** Moves past `["EVENT", "<sub id>",` to the event object; false when the frame is otherwise. */
function toEventObject(s: Scanner): boolean {
  const t = s.text;
  if (t.charCodeAt(s.i++) !== 0x5b) return false;
  s.ws();
  if (!t.startsWith('"EVENT"', s.i)) return false;
  s.i += 7;
  s.ws();
  if (t.charCodeAt(s.i++) !== 0x2c) return false;
  s.ws();
  if (t.charCodeAt(s.i) !== 0x22 || !s.string(false)) return false;
  s.ws();
  if (t.charCodeAt(s.i++) !== 0x2c) return false;
  s.ws();
  return t.charCodeAt(s.i) === 0x7b;
}

/** The text of the id hash input taken from the frame, or undefined (see the file's head). */
export function frameIdInput(frame: string): string | undefined {
  const s = new Scanner(frame);
  if (!toEventObject(s)) return undefined;
  const fields = fieldSlices(s);
  if (fields === undefined || fields.size !== FIELDS.length) return undefined;
  const parts: string[] = [];
  for (const name of FIELDS) {
    const [start, end] = fields.get(name) as [number, number];
    const raw = frame.slice(start, end);
    s.odd = false;
    if (name === "created_at" || name === "kind") {
      if (!INTEGER.test(raw)) return undefined;
    } else if (name === "tags") {
      if (!isPlainTags(s, start, end) || s.odd) return undefined;
    } else {
      s.i = start;
      if (frame.charCodeAt(start) !== 0x22 || !s.string() || s.i !== end || s.odd) return undefined;
    }
    parts.push(raw);
  }
  return `[0,${parts.join(",")}]`;
}

/**
 * SHA-256 (lowercase hex) of the frame's event as NIP-01 serialises it, read from the frame
 * text; undefined when the text is not in canonical form and the parsed event must be
 * serialised instead.
 */
export function frameEventId(frame: string): string | undefined {
  const input = frameIdInput(frame);
  return input === undefined ? undefined : hash("sha256", input, "hex");
}
