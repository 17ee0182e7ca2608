/**
 * One poller per API process behind every open stream (GET /v1/stream): it reads the changes
 * stored since the last poll and hands each, encoded once, to every subscriber. Polls only
 * while someone listens. Ids are allocated before commit, so a change may become visible
 * after one with a higher id: an id skipped by a poll is looked for again for `gapWaitMs`
 * (an id taken by a conflicting insert never appears) and delivered late when it shows.
 */

import { changesAfter, newestChangeId } from "../../core/db/api/relay-changes.js";
import type { Db } from "../../core/db/pool.js";
import type { RelayChange } from "../../models/relay-change.js";
import { encodeChange } from "./sse-format.js";

export interface EncodedChange {
  change: RelayChange;
  /** The whole SSE event, encoded once for every subscriber. */
  bytes: Uint8Array;
}

export interface FeedOptions {
  pollMs: number;
  gapWaitMs: number;
  /** Most changes read per poll. */
  batch: number;
  /** A poll failed (the caller logs an outage once). */
  onError(error: unknown): void;
}

type Subscriber = (change: EncodedChange) => void;

/** Longest run of missing ids waited for (beyond: taken as never coming). */
const MAX_GAP = 10_000;

export class ChangeFeed {
  readonly #db: Db;
  readonly #o: FeedOptions;
  readonly #subscribers = new Set<Subscriber>();
  /** Every id up to here was delivered or given up. */
  #floor = 0;
  #max = 0;
  readonly #delivered = new Set<number>();
  /** Missing ids below #max: when first missed (ms). */
  readonly #gaps = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(db: Db, options: FeedOptions) {
    this.#db = db;
    this.#o = options;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Adds a subscriber; returns its unsubscribe. Resolves once the feed is polling. */
  async subscribe(subscriber: Subscriber): Promise<() => void> {
    this.#subscribers.add(subscriber);
    if (!this.#running) {
      this.#running = true;
      this.#floor = this.#max = await newestChangeId(this.#db).catch((e: unknown) => {
        this.#running = false;
        this.#subscribers.delete(subscriber);
        throw e;
      });
      this.#schedule(0);
    }
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) this.stop();
    };
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = false;
    this.#delivered.clear();
    this.#gaps.clear();
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => void this.#poll(), ms);
  }

  async #poll(): Promise<void> {
    let full = false;
    try {
      const rows = await changesAfter(this.#db, this.#floor, this.#o.batch);
      if (!this.#running) return;
      for (const change of rows) this.#deliver(change);
      this.#advance(performance.now());
      full = rows.length === this.#o.batch;
    } catch (error) {
      this.#o.onError(error);
    }
    this.#schedule(full ? 0 : this.#o.pollMs);
  }

  #deliver(change: RelayChange): void {
    if (change.id <= this.#floor || this.#delivered.has(change.id)) return;
    this.#delivered.add(change.id);
    this.#gaps.delete(change.id);
    const encoded = { change, bytes: encodeChange(change) };
    for (const s of this.#subscribers) s(encoded);
    if (change.id > this.#max) {
      const from = Math.max(this.#max + 1, change.id - MAX_GAP);
      for (let id = from; id < change.id; id++) {
        if (!this.#delivered.has(id)) this.#gaps.set(id, performance.now());
      }
      this.#max = change.id;
    }
  }

  /** Gives up gaps older than gapWaitMs and moves the floor over what is settled. */
  #advance(now: number): void {
    for (const [id, since] of this.#gaps) {
      if (now - since >= this.#o.gapWaitMs) this.#gaps.delete(id);
    }
    while (this.#floor < this.#max && !this.#gaps.has(this.#floor + 1)) {
      this.#floor++;
      this.#delivered.delete(this.#floor);
    }
  }
}
