import type { Filter, NostrEvent } from "../models/event-types.js";

// A private NIP-01 filter matcher for the fake relay. The archiver's own matcher lives in
// src/models; the devnet keeps its own so the fake relay stays an independent oracle.

function matchTags(filter: Filter, ev: NostrEvent): boolean {
  for (const [key, values] of Object.entries(filter)) {
    if (!key.startsWith("#") || key.length !== 2 || !Array.isArray(values)) continue;
    const name = key.slice(1);
    const wanted = new Set(values);
    if (!ev.tags.some((t) => t[0] === name && t[1] !== undefined && wanted.has(t[1]))) {
      return false;
    }
  }
  return true;
}

/** NIP-01: every given attribute must match; list attributes match on any value. */
export function matchesFilter(filter: Filter, ev: NostrEvent): boolean {
  if (filter.ids && !filter.ids.includes(ev.id)) return false;
  if (filter.authors && !filter.authors.includes(ev.pubkey)) return false;
  if (filter.kinds && !filter.kinds.includes(ev.kind)) return false;
  if (filter.since !== undefined && ev.created_at < filter.since) return false;
  if (filter.until !== undefined && ev.created_at > filter.until) return false;
  return matchTags(filter, ev);
}

/** Filters in one REQ are OR'ed. */
export function matchesAny(filters: readonly Filter[], ev: NostrEvent): boolean {
  return filters.some((f) => matchesFilter(f, ev));
}

const LIST_KEYS = ["ids", "authors", "kinds"] as const;

/** A light shape check; returns a reason when the value is not a usable filter. */
export function filterProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "filter must be an object";
  }
  const f = value as Record<string, unknown>;
  for (const key of LIST_KEYS) {
    if (f[key] !== undefined && !Array.isArray(f[key])) return `${key} must be an array`;
  }
  for (const key of ["since", "until", "limit"]) {
    if (f[key] !== undefined && typeof f[key] !== "number") return `${key} must be a number`;
  }
  for (const [key, v] of Object.entries(f)) {
    if (key.startsWith("#") && !Array.isArray(v)) return `${key} must be an array`;
  }
  return null;
}

/** NIP-01 order: newest first, ties by lowest id. */
export function compareNewestFirst(a: NostrEvent, b: NostrEvent): number {
  if (a.created_at !== b.created_at) return b.created_at - a.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
