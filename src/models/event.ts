/**
 * NIP-01 events: shape validation, id computation, kind classes and tag indexing.
 *
 * Serialisation policy
 * --------------------
 * The id is SHA-256 of the UTF-8 bytes of `[0,pubkey,created_at,kind,tags,content]`.
 * NIP-01 escapes only LF `\n`, `"`, `\\`, CR `\r`, TAB `\t`, BS `\b` and FF `\f` and writes
 * every other character verbatim. `JSON.stringify` differs on two inputs: it writes the other
 * C0 controls (U+0000–U+001F) as `\u00xx`, and lone UTF-16 surrogates as `\udxxx`.
 * - `serializeEvent` is the spec-strict form; `computeEventId` hashes it.
 * - `idMatch`/`hasValidId` accept an event whose id matches either form, and say which one,
 *   because signers in the wild use both. The second hash is only computed when the event
 *   contains a character on which the two forms differ.
 *
 * Lone surrogates
 * ---------------
 * A JS string can hold an unpaired surrogate (it can only arrive as a `\udxxx` escape in the
 * JSON text). In the strict form it is written verbatim and then UTF-8 encoding turns it into
 * U+FFFD; in the JSON.stringify form it stays an ASCII `\udxxx` escape (what JS signers
 * hash). `validateEvent` accepts such events, but PostgreSQL cannot store them faithfully
 * (jsonb refuses unpaired surrogate escapes, text would get U+FFFD and the stored event would
 * no longer hash to its id), so `unstorableReason` reports them next to U+0000.
 */
import { hash } from "node:crypto";
import type { NostrEvent } from "./event-types.js";
import { LONE_SURROGATE } from "./text.js";

export type { NostrEvent } from "./event-types.js";

export type EventValidation = { ok: true; event: NostrEvent } | { ok: false; reason: string };
/** Which serialisation an event's id was computed from. */
export type IdForm = "strict" | "json-stringify";

/** Tag values longer than this (UTF-8 bytes) are stored but not indexed. */
export const MAX_INDEXED_TAG_VALUE_BYTES = 1024;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const MAX_CREATED_AT = 2 ** 53;
const STRICT_ESCAPES = /["\\\n\r\t\b\f]/g;
const ESCAPE_MAP: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};
// Characters that JSON.stringify escapes but NIP-01 writes verbatim.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORMS_DIFFER = /[\u0000-\u0007\u000b\u000e-\u001f\ud800-\udfff]/;

function isTags(value: unknown): value is string[][] {
  if (!Array.isArray(value)) return false;
  return value.every(
    (tag) => Array.isArray(tag) && tag.length > 0 && tag.every((v) => typeof v === "string"),
  );
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function fieldProblem(o: Record<string, unknown>): string | null {
  if (typeof o.id !== "string" || !HEX64.test(o.id)) return "id is not 64 lowercase hex";
  if (typeof o.pubkey !== "string" || !HEX64.test(o.pubkey)) {
    return "pubkey is not 64 lowercase hex";
  }
  if (typeof o.sig !== "string" || !HEX128.test(o.sig)) return "sig is not 128 lowercase hex";
  if (!isIntIn(o.created_at, 0, MAX_CREATED_AT)) {
    return "created_at is not an integer between 0 and 2^53";
  }
  if (!isIntIn(o.kind, 0, 65535)) return "kind is not an integer between 0 and 65535";
  if (!isTags(o.tags)) return "tags is not an array of non-empty string arrays";
  if (typeof o.content !== "string") return "content is not a string";
  return null;
}

/**
 * Checks the NIP-01 shape (not the id or signature) and returns a fresh event holding only
 * the seven NIP-01 fields. Reasons use the NIP-01 `invalid:` prefix. `owned`: the caller
 * holds the only reference to `raw` (it just parsed it), so the tags are taken, not copied.
 */
export function validateEvent(raw: unknown, opts?: { owned?: boolean }): EventValidation {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: "invalid: event is not an object" };
  }
  const o = raw as Record<string, unknown>;
  const problem = fieldProblem(o);
  if (problem !== null) return { ok: false, reason: `invalid: ${problem}` };
  const ev = o as unknown as NostrEvent;
  const event: NostrEvent = {
    id: ev.id,
    pubkey: ev.pubkey,
    created_at: ev.created_at,
    kind: ev.kind,
    tags: opts?.owned === true ? ev.tags : ev.tags.map((tag) => [...tag]),
    content: ev.content,
    sig: ev.sig,
  };
  return { ok: true, event };
}

function strictString(s: string): string {
  return `"${s.replace(STRICT_ESCAPES, (c) => ESCAPE_MAP[c] ?? c)}"`;
}

type IdFields = Pick<NostrEvent, "pubkey" | "created_at" | "kind" | "tags" | "content">;

/** NIP-01 spec-strict serialisation `[0,pubkey,created_at,kind,tags,content]`. */
export function serializeEvent(ev: IdFields): string {
  const tags = ev.tags.map((tag) => `[${tag.map(strictString).join(",")}]`).join(",");
  return `[0,${strictString(ev.pubkey)},${ev.created_at},${ev.kind},[${tags}],${strictString(ev.content)}]`;
}

/** The same array as written by `JSON.stringify` (what most JS signers hash). */
export function serializeEventJson(ev: IdFields): string {
  return JSON.stringify([0, ev.pubkey, ev.created_at, ev.kind, ev.tags, ev.content]);
}

function sha256Hex(text: string): string {
  return hash("sha256", text, "hex");
}

/** Lowercase hex SHA-256 of the spec-strict serialisation. */
export function computeEventId(ev: IdFields): string {
  return sha256Hex(serializeEvent(ev));
}

function someString(ev: IdFields, test: (s: string) => boolean): boolean {
  return test(ev.content) || ev.tags.some((tag) => tag.some(test));
}

/** Which serialisation hashes to `ev.id`, or null when neither does. */
export function idMatch(ev: NostrEvent): IdForm | null {
  // The two forms are byte-identical unless a string holds a character in FORMS_DIFFER, so
  // hash the JSON.stringify form first (V8's native serialiser, ~3x faster than ours) and
  // build the strict form only for the rare events where they differ.
  const differ = someString(ev, (s) => FORMS_DIFFER.test(s));
  if (sha256Hex(serializeEventJson(ev)) === ev.id) return differ ? "json-stringify" : "strict";
  if (!differ) return null;
  return computeEventId(ev) === ev.id ? "strict" : null;
}

export function hasValidId(ev: NostrEvent): boolean {
  // The common case first: a match of the JSON.stringify form needs no FORMS_DIFFER scan.
  return sha256Hex(serializeEventJson(ev)) === ev.id || idMatch(ev) !== null;
}

/** True when content or any tag holds U+0000, which PostgreSQL text/jsonb cannot store. */
export function hasNulChar(ev: NostrEvent): boolean {
  return someString(ev, (s) => s.includes("\u0000"));
}

export function hasLoneSurrogate(ev: NostrEvent): boolean {
  return someString(ev, (s) => LONE_SURROGATE.test(s));
}

/** Why the storage layer must refuse this (otherwise valid) event, or null. */
export function unstorableReason(ev: NostrEvent): string | null {
  if (hasNulChar(ev)) return "unstorable: NUL character";
  if (hasLoneSurrogate(ev)) return "unstorable: lone surrogate";
  return null;
}

/**
 * Index entries `name:value` for tags whose name is one character (one code point, as in
 * PostgreSQL's length()) and that have a value. De-duplicated in first-seen order. Values
 * over MAX_INDEXED_TAG_VALUE_BYTES are left out of the index only; the event is kept whole.
 */
export function tagValues(tags: readonly (readonly string[])[]): string[] {
  const seen = new Set<string>();
  for (const [name, value] of tags) {
    if (name === undefined || value === undefined || !isOneCodePoint(name)) continue;
    // A UTF-8 code unit is at most 3 bytes, so short values need no byte count (hot path).
    const short = value.length * 3 <= MAX_INDEXED_TAG_VALUE_BYTES;
    if (!short && Buffer.byteLength(value, "utf8") > MAX_INDEXED_TAG_VALUE_BYTES) continue;
    seen.add(`${name}:${value}`);
  }
  return [...seen];
}

/** One code point: one UTF-16 unit, or a surrogate pair. */
function isOneCodePoint(s: string): boolean {
  if (s.length === 1) return true;
  if (s.length !== 2) return false;
  const hi = s.charCodeAt(0);
  const lo = s.charCodeAt(1);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
}
