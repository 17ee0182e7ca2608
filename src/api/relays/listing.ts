/**
 * Filtering, sorting and keyset paging of the relay table (pure: it works on a snapshot).
 * Each sort is a total order ending with the URL, and a cursor is the sort key of the last
 * relay of a page, so a page starts right after it even when relays were added meanwhile.
 */
import type { RelaySummary } from "../../core/db/read/relay-summary.js";
import type { Network } from "../../models/network.js";
import { type RelayStatus, relayStatus } from "./status.js";

export const RELAY_SORTS = ["url", "rtt", "uptime", "events", "coverage"] as const;
export type RelaySort = (typeof RELAY_SORTS)[number];

/** Each field narrows the listing; a list field matches any of its values (but `nips`: all). */
export interface RelayFilter {
  network?: readonly Network[];
  status?: readonly RelayStatus[];
  /** Relays supporting every one of these. */
  nips?: readonly number[];
  /** Case-insensitive. */
  software?: readonly string[];
  /** ISO 3166-1 alpha-2, either case. */
  country?: readonly string[];
  asn?: number;
  /** rtt_open at most (ms). */
  maxRtt?: number;
  authRequired?: boolean;
  paymentRequired?: boolean;
  writable?: boolean;
  /** Case-insensitive substring of the URL or NIP-11 name. */
  q?: string;
  /** Other monitors' consensus (a relay no monitor covers is "unknown"). */
  consensus?: readonly ("up" | "down" | "unknown")[];
  /** How the newest coverage was measured ("none": never). */
  coverageMethod?: readonly ("count" | "negentropy" | "unknown" | "none")[];
  /** Coverage (0–1) bounds; a relay without a coverage figure matches neither. */
  minCoverage?: number;
  maxCoverage?: number;
}

export type SortKey = [string] | [number, number, string];

/** The sort key of a relay: ascending order of keys is the listing order (nulls last). */
export function sortKey(r: RelaySummary, sort: RelaySort): SortKey {
  switch (sort) {
    case "url":
      return [r.url];
    case "rtt":
      return r.rttOpen === null ? [1, 0, r.url] : [0, r.rttOpen, r.url];
    case "uptime": {
      const u = r.uptime["30d"];
      return u === null ? [1, 0, r.url] : [0, -u, r.url];
    }
    case "events":
      return [0, -r.events, r.url];
    case "coverage": {
      const c = r.coverage?.coverage ?? null;
      return c === null ? [1, 0, r.url] : [0, c, r.url];
    }
  }
}

export function compareKeys(a: readonly (number | string)[], b: readonly (number | string)[]) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function isSortKey(sort: RelaySort) {
  return (p: unknown[]): p is SortKey =>
    sort === "url"
      ? p.length === 1 && typeof p[0] === "string"
      : p.length === 3 &&
        (p[0] === 0 || p[0] === 1) &&
        typeof p[1] === "number" &&
        Number.isFinite(p[1]) &&
        typeof p[2] === "string";
}

/** Whether `value` is one of `wanted`, both compared through `norm`. */
function anyOf(wanted: readonly string[], value: string | null, norm: (s: string) => string) {
  return value !== null && wanted.some((w) => norm(w) === norm(value));
}

function matches(r: RelaySummary, f: RelayFilter, status: () => RelayStatus): boolean {
  if (f.network !== undefined && !f.network.includes(r.network)) return false;
  if (f.nips !== undefined && !f.nips.every((n) => r.nips.includes(n))) return false;
  if (f.software !== undefined && !anyOf(f.software, r.software, (s) => s.toLowerCase()))
    return false;
  if (f.country !== undefined && !anyOf(f.country, r.country, (c) => c.toUpperCase())) return false;
  if (f.asn !== undefined && r.asn !== f.asn) return false;
  if (f.maxRtt !== undefined && (r.rttOpen === null || r.rttOpen > f.maxRtt)) return false;
  if (f.authRequired !== undefined && (r.authRequired ?? false) !== f.authRequired) return false;
  if (f.paymentRequired !== undefined && (r.paymentRequired ?? false) !== f.paymentRequired)
    return false;
  if (f.writable !== undefined && (r.writable ?? false) !== f.writable) return false;
  if (f.q !== undefined) {
    const q = f.q.toLowerCase();
    if (!r.url.toLowerCase().includes(q) && !(r.name ?? "").toLowerCase().includes(q)) return false;
  }
  if (f.status !== undefined && !f.status.includes(status())) return false;
  if (f.consensus !== undefined && !f.consensus.includes(r.consensus?.state ?? "unknown"))
    return false;
  return coverageMatches(r, f);
}

function coverageMatches(r: RelaySummary, f: RelayFilter): boolean {
  if (f.coverageMethod !== undefined && !f.coverageMethod.includes(r.coverage?.method ?? "none"))
    return false;
  const c = r.coverage?.coverage ?? null;
  if (f.minCoverage !== undefined && (c === null || c < f.minCoverage)) return false;
  if (f.maxCoverage !== undefined && (c === null || c > f.maxCoverage)) return false;
  return true;
}

export interface RelayPage {
  relays: RelaySummary[];
  /** Sort key of the last relay when more may follow. */
  next: SortKey | null;
  /** Relays matching the filter in the whole table. */
  total: number;
}

/** One page: the matching relays after `after` in `sort` order. */
export function queryRelays(
  relays: readonly RelaySummary[],
  options: {
    filter: RelayFilter;
    sort: RelaySort;
    after?: SortKey;
    limit: number;
    now: number;
    maxCheckAge: number;
  },
): RelayPage {
  const { filter, sort, after, limit } = options;
  const matching = relays.filter((r) =>
    matches(r, filter, () => relayStatus(r, options.now, options.maxCheckAge)),
  );
  const keyed = matching.map((r) => ({ r, key: sortKey(r, sort) }));
  const rest = after ? keyed.filter((k) => compareKeys(k.key, after) > 0) : keyed;
  rest.sort((a, b) => compareKeys(a.key, b.key));
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return {
    relays: page.map((k) => k.r),
    next: rest.length > limit && last ? last.key : null,
    total: matching.length,
  };
}
