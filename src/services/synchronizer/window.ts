/**
 * Fetching every event of one time window from a relay, whatever the relay's page limit.
 *
 * NIP-01: with `limit` a relay returns the newest matching events, and `since`/`until` are
 * both inclusive. Relays clamp `limit` silently, so a page's size says nothing certain. The
 * walk goes down from the top of the window: the oldest second of a page may have been cut,
 * so the next request covers [since, that second] again, until a page brings nothing new
 * below. A second that alone fills a page is split by kind, then by author, and what still
 * fills a page is recorded as a gap. Events outside the requested bounds are dropped and
 * counted (a relay that ignores since/until is detected, not trusted); a relay that answers
 * oldest first is walked upwards instead.
 */
import type { Gap } from "../../core/db/service-state/sync-cursor.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";

export interface PageRequest {
  filter: Filter;
  since: number;
  until: number;
  limit: number;
}

/**
 * One REQ, answered until EOSE: the events in the order received, how many more the relay
 * sent that a client dropped for not matching the request (they count toward the page's
 * size and show a relay that ignores since/until), and those it refused as malformed or
 * badly signed (they count toward the page's size too, and their `created_at` is where they
 * stood in the relay's answer: a page of refused events still moves the walk on).
 */
export type FetchPage = (request: PageRequest) => Promise<{
  events: NostrEvent[];
  outside?: number;
  refused?: { count: number; at: readonly number[] };
}>;

export interface WindowStats {
  requests: number;
  /** Events the relay sent outside the requested [since, until]. */
  outOfBounds: number;
  /** Events received again (overlap of consecutive pages). */
  repeats: number;
  /** Most events the walk remembered at once (its memory: about a page, not the window). */
  peakRemembered: number;
}

export interface WindowResult {
  /** How many distinct events the walk delivered. */
  events: number;
  gaps: Gap[];
  stats: WindowStats;
}

/** What is left of a window after a step, and what the walk has learned of the relay so far. */
export interface WindowProgress {
  low: number;
  high: number;
  gaps: readonly Gap[];
  /** Largest page seen yet: saved with the open window, so a resumed walk knows a cut page. */
  pageSize: number;
  ascending: boolean;
}

export interface WalkOptions {
  /** Events requested per page. */
  limit: number;
  /** Largest page this relay has returned so far (learned; 0 = unknown). */
  pageSize?: number;
  /** Authors tried one by one when a second of one kind overflows (default 200). */
  maxAuthorSplit?: number;
  /** The relay answers oldest first (learned from an earlier window). */
  ascending?: boolean;
  /** NIP-45 COUNT of a filter, when the relay supports it: proves a split second complete. */
  count?: (filter: Filter) => Promise<number | undefined>;
  /**
   * Receives each page's new events (never one twice) as soon as the page arrives, so the
   * walk holds only ids, times, kinds and authors; awaited, so it can apply backpressure.
   */
  onEvents: (events: NostrEvent[]) => void | Promise<void>;
  /**
   * After each step, once that step's events went to `onEvents`: what is left to walk
   * (everything of the window outside [low, high] is fetched) and the gaps found so far.
   */
  onProgress?: (left: WindowProgress) => void;
  signal?: AbortSignal;
}

/** What the walk remembers of a delivered event (enough to split its second). */
interface Seen {
  created_at: number;
  kind: number;
  pubkey: string;
}

interface Walk {
  fetch: FetchPage;
  options: WalkOptions;
  /**
   * Events delivered whose second can still be asked for again: only those inside the part
   * of the window left to walk, so memory is a page or a crowded second, not the window.
   */
  found: Map<string, Seen>;
  /** Distinct events delivered. */
  delivered: number;
  gaps: Gap[];
  stats: WindowStats;
  /** Largest page seen: a page this large may have been cut by the relay. */
  pageSize: number;
  ascending: boolean;
}

/** Requests one page, keeps the in-bounds events, returns them and how many were new. */
async function page(walk: Walk, filter: Filter, since: number, until: number) {
  walk.options.signal?.throwIfAborted();
  const got = await walk.fetch({ filter, since, until, limit: walk.options.limit });
  walk.stats.requests++;
  const refused = got.refused ?? { count: 0, at: [] };
  const raw = got.events.length + (got.outside ?? 0) + refused.count;
  walk.pageSize = Math.max(walk.pageSize, raw);
  const inside = got.events.filter((e) => e.created_at >= since && e.created_at <= until);
  walk.stats.outOfBounds += got.events.length + (got.outside ?? 0) - inside.length;
  // Where the page's refused events stood: positions for the walk, never archived.
  const refusedAt = refused.at.filter((at) => at >= since && at <= until);
  const fresh: NostrEvent[] = [];
  for (const e of inside) {
    if (walk.found.has(e.id)) walk.stats.repeats++;
    else {
      walk.found.set(e.id, { created_at: e.created_at, kind: e.kind, pubkey: e.pubkey });
      walk.delivered++;
      fresh.push(e);
    }
  }
  walk.stats.peakRemembered = Math.max(walk.stats.peakRemembered, walk.found.size);
  if (fresh.length > 0) await walk.options.onEvents(fresh);
  return { raw, inside, refusedAt };
}

/** True when the events arrived oldest first (a relay that ignores NIP-01's order). */
function ascending(events: readonly NostrEvent[]): boolean {
  let rising = false;
  for (let i = 1; i < events.length; i++) {
    const d = (events[i] as NostrEvent).created_at - (events[i - 1] as NostrEvent).created_at;
    if (d < 0) return false;
    if (d > 0) rising = true;
  }
  return rising;
}

/** Narrows a filter to one value of a dimension, or null when the filter excludes it. */
function narrow(filter: Filter, key: "kinds" | "authors", value: number | string): Filter | null {
  const current = filter[key] as (number | string)[] | undefined;
  if (current !== undefined && !current.includes(value)) return null;
  return { ...filter, [key]: [value] };
}

function overflow(walk: Walk, filter: Filter, second: number): void {
  walk.gaps.push({ since: second, until: second, filter, reason: "second-overflow" });
}

/**
 * One second that filled a page: fetched again per kind seen in it, and a kind that still
 * fills a page per author seen in it; what still fills a page is a gap. Kinds or authors
 * that no full page showed may hold more events: the second is only proven complete when
 * the relay's NIP-45 COUNT equals what we hold, otherwise it is a gap too.
 */
async function splitSecond(walk: Walk, filter: Filter, second: number): Promise<void> {
  const at = (f: Filter) =>
    [...walk.found.values()].filter(
      (e) => e.created_at === second && (f.kinds === undefined || f.kinds.includes(e.kind)),
    );
  let complete = true;
  for (const kind of new Set(at(filter).map((e) => e.kind))) {
    const byKind = narrow(filter, "kinds", kind);
    if (byKind === null) continue;
    if ((await page(walk, byKind, second, second)).raw < walk.pageSize) continue;
    const authors = [...new Set(at(byKind).map((e) => e.pubkey))];
    if (authors.length > (walk.options.maxAuthorSplit ?? 200)) {
      overflow(walk, byKind, second);
      complete = false;
      continue;
    }
    for (const author of authors) {
      const one = narrow(byKind, "authors", author);
      if (one === null) continue;
      if ((await page(walk, one, second, second)).raw >= walk.pageSize) {
        overflow(walk, one, second);
        complete = false;
      }
    }
  }
  // Kinds and authors that no page showed may hold more: only COUNT can rule that out.
  const counted = complete
    ? await walk.options.count?.({ ...filter, since: second, until: second })
    : undefined;
  if (counted === undefined || counted > at(filter).length) overflow(walk, filter, second);
}

/**
 * Walks [since, until]. Newest first (NIP-01): a page settles everything above its oldest
 * second, and that second too unless the page was as large as the relay's largest (then it
 * may have been cut and is fetched again). Oldest first, for relays that answer so: the
 * mirror image. Every step narrows the window, so the walk ends.
 */
async function walkWindow(walk: Walk, filter: Filter, since: number, until: number) {
  let low = since;
  let high = until;
  while (low <= high) {
    const got = await page(walk, filter, low, high);
    if (got.inside.length === 0 && got.refusedAt.length === 0) {
      if (got.raw > 0)
        walk.gaps.push({ since: low, until: high, filter, reason: "ignores-bounds" });
      return;
    }
    if (!walk.ascending && ascending(got.inside)) walk.ascending = true;
    const cut = got.raw >= walk.pageSize;
    let oldest = Number.POSITIVE_INFINITY;
    let newest = Number.NEGATIVE_INFINITY;
    for (const at of [...got.inside.map((e) => e.created_at), ...got.refusedAt]) {
      if (at < oldest) oldest = at;
      if (at > newest) newest = at;
    }
    if (!walk.ascending) {
      if (!cut) high = oldest - 1;
      else if (oldest === high) {
        await splitSecond(walk, filter, high);
        high -= 1;
      } else high = oldest;
    } else if (!cut) low = newest + 1;
    else if (newest === low) {
      await splitSecond(walk, filter, low);
      low += 1;
    } else low = newest;
    forgetOutside(walk, low, high);
    if (low <= high) {
      const { pageSize, ascending } = walk;
      walk.options.onProgress?.({ low, high, gaps: walk.gaps, pageSize, ascending });
    }
  }
}

/** Drops what no later request of this walk can return again (it is outside [low, high]). */
function forgetOutside(walk: Walk, low: number, high: number): void {
  for (const [id, e] of walk.found) {
    if (e.created_at < low || e.created_at > high) walk.found.delete(id);
  }
}

/** Fetches every event of `filter` in [since, until] (both inclusive). */
export async function fetchWindow(
  fetch: FetchPage,
  filter: Filter,
  since: number,
  until: number,
  options: WalkOptions,
): Promise<WindowResult & { pageSize: number; ascending: boolean }> {
  const walk: Walk = {
    fetch,
    options,
    found: new Map(),
    delivered: 0,
    gaps: [],
    stats: { requests: 0, outOfBounds: 0, repeats: 0, peakRemembered: 0 },
    pageSize: options.pageSize ?? 0,
    ascending: options.ascending ?? false,
  };
  if (since <= until) await walkWindow(walk, filter, since, until);
  return {
    events: walk.delivered,
    gaps: walk.gaps,
    stats: walk.stats,
    pageSize: walk.pageSize,
    ascending: walk.ascending,
  };
}
