import type { Filter, NostrEvent } from "../models/event-types.js";
import { matchFilter, matchFilters } from "../models/filter.js";

/** NIP-01 order: newest first, ties by lowest id. */
export function compareNewestFirst(a: NostrEvent, b: NostrEvent): number {
  if (a.created_at !== b.created_at) return b.created_at - a.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** In-memory event store kept in NIP-01 order (newest first, ties by lowest id). */
export class EventStore {
  readonly events: NostrEvent[] = [];
  readonly #ids = new Set<string>();

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Inserts in order; returns false for a duplicate id. */
  add(ev: NostrEvent): boolean {
    if (this.#ids.has(ev.id)) return false;
    this.#ids.add(ev.id);
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.events[mid];
      if (other !== undefined && compareNewestFirst(other, ev) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.events.splice(lo, 0, ev);
    return true;
  }

  /** Adds many; sorts once instead of inserting one by one. Returns how many were new. */
  addMany(events: readonly NostrEvent[]): number {
    let added = 0;
    for (const ev of events) {
      if (this.#ids.has(ev.id)) continue;
      this.#ids.add(ev.id);
      this.events.push(ev);
      added++;
    }
    if (added > 0) this.events.sort(compareNewestFirst);
    return added;
  }

  /**
   * Stored results for a REQ: each filter returns its newest min(limit, maxLimit) matches,
   * the union is de-duplicated and ordered newest first. Events failing `keep` are skipped
   * before the limit counts them.
   */
  query(
    filters: readonly Filter[],
    maxLimit: number,
    keep: (ev: NostrEvent) => boolean = () => true,
  ): NostrEvent[] {
    const picked = new Map<string, NostrEvent>();
    for (const filter of filters) {
      const limit = effectiveLimit(filter, maxLimit);
      let taken = 0;
      for (const ev of this.events) {
        if (taken >= limit) break;
        if (!matchFilter(filter, ev) || !keep(ev)) continue;
        picked.set(ev.id, ev);
        taken++;
      }
    }
    return [...picked.values()].sort(compareNewestFirst);
  }

  /** NIP-45 count: how many stored events match any filter (limits ignored). */
  /** The stored events matching `filters` (and `keep`), in store order. */
  matching(filters: readonly Filter[], keep: (ev: NostrEvent) => boolean = () => true) {
    return this.events.filter((ev) => matchFilters(filters, ev) && keep(ev));
  }
}

/** A REQ without a usable limit gets maxLimit; larger limits are clamped silently. */
export function effectiveLimit(filter: Filter, maxLimit: number): number {
  const { limit } = filter;
  if (limit === undefined || !Number.isInteger(limit) || limit < 0) return maxLimit;
  return Math.min(limit, maxLimit);
}
