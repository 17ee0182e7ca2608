/**
 * The one writer of a synchronizer process: relay workers hand it sightings and, after a
 * window is complete, that relay's cursor; it writes them in batches through archiveEvents,
 * each cursor in the same transaction as (or after) every sighting handed in before it.
 * Batches go at `batchSize` sightings or after `flushMs`, whichever comes first; workers
 * that add while `maxQueue` sightings wait are held until a batch is written (backpressure).
 */
import { type ArchiveItem, type ArchiveResult, archiveEvents } from "../../core/db/archive.js";
import type { Profile } from "../../core/db/migrate.js";
import type { Db } from "../../core/db/pool.js";
import { RelayIdCache } from "../../core/db/relays.js";
import type { ServiceState } from "../../models/service-state.js";
import { IdCache } from "../../utils/verify/id-cache.js";

export interface WriterOptions {
  profile: Profile;
  batchSize: number;
  flushMs: number;
  maxQueue: number;
  /**
   * How many archived ids to remember (LRU): copies of those from other relays are written
   * as sightings only, their events not sent again. Default 100,000 (about 12 MB).
   */
  storedIds?: number;
  /** Called (and awaited) after each written batch, before the next is written. */
  onBatch?: (result: ArchiveResult, sightings: number) => void | Promise<void>;
}

const DEFAULT_STORED_IDS = 100_000;

export class SightingWriter {
  readonly #db: Db;
  readonly #options: WriterOptions;
  readonly #relayIds = new RelayIdCache();
  readonly #stored: IdCache;
  #items: ArchiveItem[] = [];
  /** Each cursor with how many sightings had been queued when it was set (its mark). */
  #cursors = new Map<string, { row: ServiceState; mark: number }>();
  /** Sightings queued since the start, and those taken into a batch. */
  #queuedTotal = 0;
  #takenTotal = 0;
  #writing: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #failure: unknown;

  constructor(db: Db, options: WriterOptions) {
    this.#db = db;
    this.#options = options;
    this.#stored = new IdCache(options.storedIds ?? DEFAULT_STORED_IDS);
  }

  /** Records ids found archived (e.g. by the verifier's lookup), so copies skip their events. */
  markStored(ids: Iterable<string>): void {
    for (const id of ids) this.#stored.add(id);
  }

  /** Sightings waiting or being written. */
  get queued(): number {
    return this.#items.length + this.#inFlight;
  }

  /** Queues sightings; waits while the queue is full. Throws a failed batch's error. */
  async add(items: readonly ArchiveItem[]): Promise<void> {
    this.#check();
    for (const item of items) this.#items.push(item);
    this.#queuedTotal += items.length;
    if (this.#items.length >= this.#options.batchSize) this.#flushSoon(0);
    else this.#flushSoon(this.#options.flushMs);
    while (this.queued >= this.#options.maxQueue) {
      this.#flushSoon(0);
      await this.#writing;
      this.#check();
    }
  }

  /** Records a relay's cursor; it is written with the next batch (never before its data). */
  setCursor(row: ServiceState): void {
    this.#cursors.set(row.stateKey, { row, mark: this.#queuedTotal });
    this.#flushSoon(this.#options.flushMs);
  }

  /** Writes everything queued so far and waits for it. */
  async flush(): Promise<void> {
    this.#flushSoon(0);
    await this.#writing;
    this.#check();
  }

  /** Every event of a committed batch is archived, but those that could not be stored. */
  #remember(items: readonly ArchiveItem[], result: ArchiveResult): void {
    const refused = result.rejected.length > 0 ? new Set(result.rejected.map((r) => r.id)) : null;
    for (const item of items) if (!refused?.has(item.event.id)) this.#stored.add(item.event.id);
  }

  #check(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Schedules a write in `ms` (0: chained now, so awaiting #writing covers it). */
  #flushSoon(ms: number): void {
    if (ms > 0) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#chain();
      }, ms);
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#chain();
  }

  #chain(): void {
    this.#writing = this.#writing.then(() => this.#write());
  }

  async #write(): Promise<void> {
    if (this.#failure !== undefined) return;
    while (this.#items.length > 0 || this.#cursors.size > 0) {
      const items = this.#items.splice(0, this.#options.batchSize);
      this.#takenTotal += items.length;
      // Cursors only with the batch that holds the last sighting queued before them (not
      // only once the queue is empty: with sightings still coming it may never be).
      const cursor: ServiceState[] = [];
      for (const [key, c] of this.#cursors) {
        if (c.mark > this.#takenTotal) continue;
        cursor.push(c.row);
        this.#cursors.delete(key);
      }
      this.#inFlight = items.length;
      try {
        const result = await archiveEvents(this.#db, items, {
          profile: this.#options.profile,
          relayIds: this.#relayIds,
          stored: (id) => this.#stored.has(id),
          ...(cursor.length > 0 ? { cursor, asyncCommit: true } : {}),
        });
        this.#remember(items, result);
        await this.#options.onBatch?.(result, items.length);
      } catch (error) {
        this.#failure = error;
        return;
      } finally {
        this.#inFlight = 0;
      }
    }
  }
}
