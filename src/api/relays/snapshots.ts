/**
 * The relay table, read whole (readRelaySummaries) and kept for `relay_snapshot_seconds`: the
 * list, the online set and the country counts filter and sort it in memory, and /v1/stats
 * reads the summary tables once per snapshot (snapshotRead). One refresh at a
 * time. Once a snapshot exists, an expired one is still served while the next is read in the
 * background (a slow read never stalls requests); 0 seconds reads it afresh for every request.
 */

import type { Db } from "../../core/db/pool.js";
import { type RelaySummary, readRelaySummaries } from "../../core/db/read/relay-summary.js";
import type { PreparedJson } from "../json-response.js";

export interface RelaySnapshot {
  /** Unix seconds the uptime windows end at. */
  readonly takenAt: number;
  /** URL order. */
  readonly relays: readonly RelaySummary[];
  /** Answers already computed from this snapshot, by route and query (at most MEMO_SIZE). */
  readonly memo: Map<string, PreparedJson<unknown>>;
  /** Other reads kept for the snapshot's life (snapshotRead), by name. */
  readonly reads: Map<string, Promise<unknown>>;
}

const MEMO_SIZE = 256;

/** The answer for `key` computed from `snapshot`, built once while the snapshot lasts. */
export function memoized<T>(
  snapshot: RelaySnapshot,
  key: string,
  build: () => PreparedJson<T>,
): PreparedJson<T> {
  const found = snapshot.memo.get(key);
  if (found) return found as PreparedJson<T>;
  const built = build();
  if (snapshot.memo.size >= MEMO_SIZE) snapshot.memo.clear();
  snapshot.memo.set(key, built);
  return built;
}

/**
 * What `read` gives, read once for the snapshot's life (as the relay table is: at most every
 * `relay_snapshot_seconds`); a read that fails is tried again by the next request.
 */
export function snapshotRead<T>(
  snapshot: RelaySnapshot,
  name: string,
  read: () => Promise<T>,
): Promise<T> {
  const found = snapshot.reads.get(name);
  if (found) return found as Promise<T>;
  const reading = read();
  snapshot.reads.set(name, reading);
  reading.catch(() => snapshot.reads.delete(name));
  return reading;
}

/**
 * The memo key of an answer. A snapshot's answer depends on the query and, through "up now", on
 * the time: answers are kept per minute (a relay's status moves with the clock only at its
 * max_check_age edge).
 */
export const memoKey = (route: string, query: unknown, now: number) =>
  `${route} ${Math.floor(now / 60)} ${JSON.stringify(query)}`;

export class RelaySnapshots {
  readonly #db: Db;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #current: { snapshot: RelaySnapshot; at: number } | undefined;
  #pending: Promise<RelaySnapshot> | undefined;

  readonly #onError: (error: unknown) => void;

  constructor(db: Db, ttlSeconds: number, now: () => number, onError: (error: unknown) => void) {
    this.#db = db;
    this.#ttlMs = ttlSeconds * 1000;
    this.#now = now;
    this.#onError = onError;
  }

  async get(): Promise<RelaySnapshot> {
    const current = this.#current;
    if (current && performance.now() - current.at < this.#ttlMs) return current.snapshot;
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
    if (current === undefined || this.#ttlMs === 0) return this.#pending;
    this.#pending.catch(this.#onError);
    return current.snapshot;
  }

  /**
   * One relay's summary: from the snapshot when one is kept (a binary search: the relays are in
   * code-point order), read alone when not, or when the relay is newer than the snapshot.
   */
  async relay(url: string): Promise<RelaySummary | undefined> {
    if (this.#ttlMs > 0) {
      const { relays } = await this.get();
      let lo = 0;
      let hi = relays.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const found = relays[mid] as RelaySummary;
        if (found.url === url) return found;
        if (found.url < url) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    const [relay] = await readRelaySummaries(this.#db, this.#now(), url);
    return relay;
  }

  async #refresh(): Promise<RelaySnapshot> {
    const takenAt = this.#now();
    const relays = await readRelaySummaries(this.#db, takenAt);
    const snapshot = { takenAt, relays, memo: new Map(), reads: new Map() };
    this.#current = { snapshot, at: performance.now() };
    return snapshot;
  }
}
