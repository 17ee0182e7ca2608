/**
 * NIP-01 filters: validation of untrusted filters and in-memory matching.
 * Within a filter every given attribute must match (AND); each list matches when any of its
 * values does; several filters are OR'ed. since/until are both inclusive. An empty list
 * matches nothing. `limit` only bounds stored results, so matching ignores it.
 */
import type { Filter, NostrEvent } from "./event-types.js";

export type { Filter } from "./event-types.js";

export type FilterValidation = { ok: true; filter: Filter } | { ok: false; reason: string };

const HEX64 = /^[0-9a-f]{64}$/;
const TAG_KEY = /^#[A-Za-z]$/;

function tagMatches(ev: NostrEvent, name: string, values: readonly string[]): boolean {
  return ev.tags.some((tag) => tag[0] === name && tag[1] !== undefined && values.includes(tag[1]));
}

export function matchFilter(filter: Filter, ev: NostrEvent): boolean {
  if (filter.ids !== undefined && !filter.ids.includes(ev.id)) return false;
  if (filter.authors !== undefined && !filter.authors.includes(ev.pubkey)) return false;
  if (filter.kinds !== undefined && !filter.kinds.includes(ev.kind)) return false;
  if (filter.since !== undefined && ev.created_at < filter.since) return false;
  if (filter.until !== undefined && ev.created_at > filter.until) return false;
  for (const [key, values] of Object.entries(filter)) {
    if (!key.startsWith("#") || values === undefined) continue;
    if (!tagMatches(ev, key.slice(1), values as string[])) return false;
  }
  return true;
}

/** True when any filter matches (REQ semantics). */
export function matchFilters(filters: readonly Filter[], ev: NostrEvent): boolean {
  return filters.some((f) => matchFilter(f, ev));
}

const isNonNegInt = (v: unknown): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function arrayOf<T>(v: unknown, item: (x: unknown) => x is T): v is T[] {
  return Array.isArray(v) && v.every(item);
}

const isHex64 = (x: unknown): x is string => typeof x === "string" && HEX64.test(x);
const isKind = (x: unknown): x is number => isNonNegInt(x) && x <= 65535;
const isString = (x: unknown): x is string => typeof x === "string";

/** Returns the problem with one filter key/value, or null when it is fine. */
function keyProblem(key: string, value: unknown): string | null {
  switch (key) {
    case "ids":
    case "authors":
      return arrayOf(value, isHex64) ? null : `${key} must be an array of 64 lowercase hex`;
    case "kinds":
      return arrayOf(value, isKind) ? null : "kinds must be an array of integers 0-65535";
    case "since":
    case "until":
    case "limit":
      return isNonNegInt(value) ? null : `${key} must be a non-negative integer`;
    default:
      if (!TAG_KEY.test(key)) return `unknown filter key ${JSON.stringify(key)}`;
      return arrayOf(value, isString) ? null : `${key} must be an array of strings`;
  }
}

/**
 * Validates an untrusted NIP-01 filter and returns a copy. Unknown keys (including
 * multi-letter `#tag` keys) are refused rather than silently ignored.
 */
export function validateFilter(raw: unknown): FilterValidation {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: "invalid: filter is not an object" };
  }
  const filter: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const problem = keyProblem(key, value);
    if (problem !== null) return { ok: false, reason: `invalid: ${problem}` };
    filter[key] = Array.isArray(value) ? [...value] : value;
  }
  return { ok: true, filter: filter as Filter };
}
