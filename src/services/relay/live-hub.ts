/**
 * Live delivery: the ids the archive writer announces at each commit (core/db/event-feed.ts)
 * are read once, in batches, and each event is offered to every open subscription whose
 * filters it matches. Work per announcement is one query whatever the number of
 * subscriptions; what a slow client cannot take is bounded by its connection (connection.ts).
 */
import type { StoredEvent } from "../../core/db/relay/archive-reads.js";
import type { Logger } from "../../core/logger.js";
import { toError } from "../../models/errors.js";
import type { NostrEvent } from "../../models/event-types.js";
import type { Filter } from "../../models/filter.js";
import { matchFilters } from "../../models/filter.js";

export interface LiveSubscriber {
  readonly filters: readonly Filter[];
  deliver(event: NostrEvent): void;
}

/** Ids read per query. */
const BATCH = 500;
/** Ids waiting at most; older ones are dropped (and logged) past this. */
const MAX_PENDING = 100_000;

const isWhole = (e: StoredEvent): e is NostrEvent => "sig" in e;

export class LiveHub {
  readonly #subscribers = new Set<LiveSubscriber>();
  readonly #read: (ids: string[]) => Promise<StoredEvent[]>;
  readonly #log: Logger;
  #pending: string[] = [];
  #draining: Promise<void> | undefined;

  constructor(read: (ids: string[]) => Promise<StoredEvent[]>, log: Logger) {
    this.#read = read;
    this.#log = log;
  }

  get size(): number {
    return this.#subscribers.size;
  }

  add(subscriber: LiveSubscriber): void {
    this.#subscribers.add(subscriber);
  }

  remove(subscriber: LiveSubscriber): void {
    this.#subscribers.delete(subscriber);
  }

  /** Newly archived ids (hex). */
  announce(ids: readonly string[]): void {
    if (this.#subscribers.size === 0) return;
    this.#pending.push(...ids);
    if (this.#pending.length > MAX_PENDING) {
      const dropped = this.#pending.length - MAX_PENDING;
      this.#pending = this.#pending.slice(dropped);
      this.#log.warn({ dropped }, "live_events_dropped");
    }
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  /** Resolves once every id announced so far has been offered (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, BATCH);
      try {
        const events = await this.#read(batch);
        for (const event of events) if (isWhole(event)) this.#offer(event);
      } catch (error) {
        this.#log.warn({ err: toError(error), ids: batch.length }, "live_read_failed");
      }
    }
  }

  #offer(event: NostrEvent): void {
    for (const s of this.#subscribers) if (matchFilters(s.filters, event)) s.deliver(event);
  }
}
