/**
 * The synchronizer's per-relay cursor, kept in service_state (synchronizer, cursor, <url>)
 * and committed in the same transaction as the sightings it covers (archiveEvents' `cursor`):
 * it never runs ahead of the data.
 */

import { SYNCHRONIZER } from "../../core/db/service-state/services.js";
import type { Filter } from "../../models/event-types.js";
import type { ServiceState } from "../../models/service-state.js";
import type { SyncPath } from "./path.js";
import type { Gap } from "./window.js";

/** Gaps kept per relay (the oldest are dropped beyond this). */
export const MAX_GAPS = 50;

/**
 * The REQ window being walked when the cursor was written: of [since, until], everything
 * outside [low, high] has been fetched (the walk narrows from the top, or from the bottom for
 * relays that answer oldest first). A restart walks only [low, high], so a crash or a dropped
 * connection costs what was not yet committed, not the whole window, which on a relay's
 * first fill may hold its whole archive.
 */
export interface OpenWindow {
  since: number;
  until: number;
  low: number;
  high: number;
  /** Gaps the walk found in the part already fetched. */
  gaps: Gap[];
}

export interface SyncCursor {
  /** Every event of `filter` with created_at ≤ until has been fetched (−1: nothing yet). */
  until: number;
  /** The filter the cursor is for, as canonical JSON: another filter starts over. */
  filter: string;
  /** Largest page the relay returned (the walk's notion of "a cut page"). */
  pageSize: number;
  /** The relay answers oldest first. */
  ascending: boolean;
  /** Seconds per window that last worked well (adapted as the walk goes). */
  chunk: number;
  gaps: Gap[];
  /** How the relay was last synced and why (NIP-77 or REQ windows); null before. */
  path: SyncPath | null;
  /** Ids we hold as seen on the relay that its NIP-77 set lacked, at the last reconciliation. */
  relayLacks: number;
  /** The window past `until` being walked, partly walked (null: none). */
  open: OpenWindow | null;
}

/** The filter's canonical JSON: keys sorted, so equal filters compare equal. */
export function filterKey(filter: Filter): string {
  const sorted = Object.fromEntries(Object.entries(filter).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify(sorted);
}

const num = (v: unknown, fallback: number) =>
  typeof v === "number" && Number.isFinite(v) ? v : fallback;

function isGap(v: unknown): v is Gap {
  if (typeof v !== "object" || v === null) return false;
  const g = v as Record<string, unknown>;
  return typeof g.since === "number" && typeof g.until === "number" && typeof g.reason === "string";
}

function parsePath(v: unknown): SyncPath | null {
  if (typeof v !== "object" || v === null) return null;
  const p = v as Record<string, unknown>;
  if ((p.path !== "negentropy" && p.path !== "req") || typeof p.reason !== "string") return null;
  return {
    path: p.path,
    reason: p.reason as SyncPath["reason"],
    detail: typeof p.detail === "string" ? p.detail : "",
    at: Math.trunc(num(p.at, 0)),
  };
}

/** A stored open window, if it is one and reaches past `until`. */
function parseOpen(v: unknown, until: number): OpenWindow | null {
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  const int = (x: unknown) => (Number.isSafeInteger(x) ? (x as number) : null);
  const since = int(o.since);
  const end = int(o.until);
  const low = int(o.low);
  const high = int(o.high);
  if (since === null || end === null || low === null || high === null) return null;
  // It starts at or before the cursor's next second (a cycle's first window covers the
  // lookback) and ends after it.
  if (since > until + 1 || end <= until || low < since || high < low || end < high) return null;
  const gaps = Array.isArray(o.gaps) ? o.gaps.filter(isGap) : [];
  return { since, until: end, low, high, gaps };
}

/** Reads a stored cursor document; anything missing or malformed gets a safe default. */
export function parseCursor(value: Record<string, unknown> | null, filter: Filter): SyncCursor {
  const key = filterKey(filter);
  const fresh: SyncCursor = {
    until: -1,
    filter: key,
    pageSize: 0,
    ascending: false,
    chunk: 86_400,
    gaps: [],
    path: null,
    relayLacks: 0,
    open: null,
  };
  if (value === null) return fresh;
  const until = Math.trunc(num(value.until, -1));
  const stored = {
    until,
    filter: typeof value.filter === "string" ? value.filter : "",
    pageSize: Math.trunc(num(value.page_size, 0)),
    ascending: value.ascending === true,
    chunk: Math.max(1, Math.trunc(num(value.chunk, 86_400))),
    gaps: Array.isArray(value.gaps) ? value.gaps.filter(isGap) : [],
    path: parsePath(value.sync_path),
    relayLacks: Math.max(0, Math.trunc(num(value.relay_lacks, 0))),
    open: parseOpen(value.open, until),
  };
  // Another filter: what was fetched says nothing about it (what was learned of the relay holds).
  if (stored.filter !== key) {
    const { pageSize, ascending, path } = stored;
    return { ...fresh, pageSize, ascending, path };
  }
  return stored;
}

/** The service_state row of a cursor. */
export function cursorRow(url: string, cursor: SyncCursor): ServiceState {
  return {
    serviceName: SYNCHRONIZER,
    stateType: "cursor",
    stateKey: url,
    stateValue: {
      until: cursor.until,
      filter: cursor.filter,
      page_size: cursor.pageSize,
      ascending: cursor.ascending,
      chunk: cursor.chunk,
      gaps: cursor.gaps.slice(-MAX_GAPS),
      ...(cursor.path ? { sync_path: cursor.path } : {}),
      relay_lacks: cursor.relayLacks,
      ...(cursor.open ? { open: { ...cursor.open, gaps: cursor.open.gaps.slice(-MAX_GAPS) } } : {}),
    },
  };
}

/**
 * Next window size: doubled when the last window needed at most two requests (little data),
 * halved when it needed more than `busy` (so progress is committed often), within bounds.
 */
export function nextChunk(chunk: number, requests: number, busy = 8): number {
  if (requests <= 2) return Math.min(chunk * 2, 100 * 365 * 86_400);
  if (requests > busy) return Math.max(1, Math.floor(chunk / 2));
  return chunk;
}

/** Merges new gaps in, dropping those a re-fetch has now covered without a gap. */
export function mergeGaps(
  old: readonly Gap[],
  covered: { since: number; until: number },
  found: readonly Gap[],
): Gap[] {
  const kept = old.filter((g) => g.until < covered.since || g.since > covered.until);
  return [...kept, ...found].slice(-MAX_GAPS);
}
