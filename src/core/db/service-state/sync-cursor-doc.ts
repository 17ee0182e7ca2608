/**
 * The synchronizer's cursor document (service_state synchronizer/cursor/<relay url>): its type,
 * its keys, its one tolerant parser and its row builder. The statements that read it are in
 * sync-cursor.ts beside it, which re-exports all of this.
 */
import type { Filter } from "../../../models/event-types.js";
import type { ServiceState } from "../../../models/service-state.js";
import { SYNCHRONIZER } from "./services.js";

/** Gaps kept per relay (the oldest are dropped beyond this). */
export const MAX_GAPS = 50;

/** The stored keys, each spelled once: cursorRow writes them, the parser and the SQL read them. */
export const KEY = {
  until: "until",
  filter: "filter",
  pageSize: "page_size",
  ascending: "ascending",
  chunk: "chunk",
  gaps: "gaps",
  path: "sync_path",
  relayLacks: "relay_lacks",
  open: "open",
  failure: "last_failure",
} as const satisfies Record<keyof SyncCursor, string>;

/** A part of a window that could not be fetched completely. */
export interface Gap {
  since: number;
  until: number;
  filter: Filter;
  reason: "second-overflow" | "ignores-bounds";
}

/** Why a relay is synced with NIP-77 negentropy, or with REQ windows. */
type NegentropyReason = "nip11" | "probe";
type ReqReason = "disabled" | "filter" | "first-fill" | "unsupported" | "refused" | "failed";

/** How the relay was last synced (NIP-77 or REQ windows) and why (services/synchronizer/path.ts). */
export interface SyncPath {
  path: "negentropy" | "req";
  reason: NegentropyReason | ReqReason;
  /** What happened, for people (`bigbrotr status`). */
  detail: string;
  /** Unix seconds of the decision. */
  at: number;
}

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

/** The relay's last run failed: why, when, and how many runs in a row have (cleared by a run). */
export interface SyncFailure {
  reason: string;
  /** Unix seconds. */
  at: number;
  count: number;
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
  /** Why the last run of the relay failed (absent or null: it did not). */
  failure?: SyncFailure | null;
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

export const parseGaps = (v: unknown): Gap[] => (Array.isArray(v) ? v.filter(isGap) : []);

export function parsePath(v: unknown): SyncPath | null {
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

export function parseFailure(v: unknown): SyncFailure | null {
  if (typeof v !== "object" || v === null) return null;
  const f = v as Record<string, unknown>;
  if (typeof f.reason !== "string") return null;
  return {
    reason: f.reason,
    at: Math.trunc(num(f.at, 0)),
    count: Math.max(1, Math.trunc(num(f.count, 1))),
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
  // lookback) and ends after it. Before any window completed (until −1), the first one starts
  // at the configured `since`, wherever that is: its progress counts too, or a relay that
  // drops every connection within its first window would be walked from the top forever.
  const startsLate = until >= 0 && since > until + 1;
  if (startsLate || end <= until || low < since || high < low || end < high) return null;
  return { since, until: end, low, high, gaps: parseGaps(o.gaps) };
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
  const until = Math.trunc(num(value[KEY.until], -1));
  const storedFilter = value[KEY.filter];
  const stored = {
    until,
    filter: typeof storedFilter === "string" ? storedFilter : "",
    pageSize: Math.trunc(num(value[KEY.pageSize], 0)),
    ascending: value[KEY.ascending] === true,
    chunk: Math.max(1, Math.trunc(num(value[KEY.chunk], 86_400))),
    gaps: parseGaps(value[KEY.gaps]),
    path: parsePath(value[KEY.path]),
    relayLacks: Math.max(0, Math.trunc(num(value[KEY.relayLacks], 0))),
    open: parseOpen(value[KEY.open], until),
  };
  const failure = parseFailure(value[KEY.failure]);
  // Another filter: what was fetched says nothing about it (what was learned of the relay holds).
  const failed = failure ? { failure } : {};
  if (stored.filter !== key) {
    const { pageSize, ascending, path } = stored;
    return { ...fresh, pageSize, ascending, path, ...failed };
  }
  return { ...stored, ...failed };
}

/** The service_state row of a cursor. */
export function cursorRow(url: string, cursor: SyncCursor): ServiceState {
  const open = cursor.open ? { ...cursor.open, gaps: cursor.open.gaps.slice(-MAX_GAPS) } : null;
  return {
    serviceName: SYNCHRONIZER,
    stateType: "cursor",
    stateKey: url,
    stateValue: {
      [KEY.until]: cursor.until,
      [KEY.filter]: cursor.filter,
      [KEY.pageSize]: cursor.pageSize,
      [KEY.ascending]: cursor.ascending,
      [KEY.chunk]: cursor.chunk,
      [KEY.gaps]: cursor.gaps.slice(-MAX_GAPS),
      ...(cursor.path ? { [KEY.path]: cursor.path } : {}),
      [KEY.relayLacks]: cursor.relayLacks,
      ...(open ? { [KEY.open]: open } : {}),
      ...(cursor.failure ? { [KEY.failure]: cursor.failure } : {}),
    },
  };
}
