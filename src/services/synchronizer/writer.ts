/**
 * The one writer of a synchronizer process: relay workers hand it sightings and, after a
 * window is complete, that relay's cursor; it writes them in batches through archiveEvents,
 * each cursor in the same transaction as (or after) every sighting handed in before it.
 * Batches go at `batchSize` sightings, at a quarter of `maxQueueBytes`, or after `flushMs`,
 * whichever comes first; workers that add while `maxQueue` sightings or `maxQueueBytes` of
 * events wait are held until a batch is written (backpressure). The byte bound is what keeps
 * memory flat on relays of large events (long-form articles, contact lists), where a count
 * alone would let the queue hold gigabytes.
 */
import { type ArchiveItem, type ArchiveResult, archiveEvents } from "../../core/db/archive.js";
import type { Profile } from "../../core/db/migrate.js";
import type { Db } from "../../core/db/pool.js";
import { RelayIdCache } from "../../core/db/relays.js";
import { preparedColumns } from "../../models/prepared-event.js";
import type { ServiceState } from "../../models/service-state.js";
import { isWriteProbe } from "../../nips/nip66/rtt-write.js";
import { IdCache } from "../../utils/verify/id-cache.js";

export interface WriterOptions {
  profile: Profile;
  batchSize: number;
  flushMs: number;
  maxQueue: number;
  /** Bytes of events (content and tags, as UTF-16 code units) queued at most. */
  maxQueueBytes?: number;
  /**
   * How many archived ids to remember (LRU): copies of those from other relays are written
   * as sightings only, their events not sent again. Default 100,000 (about 12 MB).
   */
  storedIds?: number;
  /** The archived ids to remember, shared with other writers of the process (default: own). */
  stored?: IdCache;
  /**
   * The process's database outage epoch (core/db-outage.ts), read as each batch begins: a
   * failed batch's is kept (`failedSince`), so that its failure after the database came back
   * is told apart from a new outage.
   */
  epoch?: () => number;
  /** Called (and awaited) after each written batch, before the next is written. */
  onBatch?: (
    result: ArchiveResult,
    sightings: number,
    items: readonly ArchiveItem[],
  ) => void | Promise<void>;
}

const DEFAULT_STORED_IDS = 100_000;
const DEFAULT_MAX_QUEUE_BYTES = 64 * 2 ** 20;
/** Fixed fields of an event (id, pubkey, sig, numbers) and the item around it, about. */
const ITEM_OVERHEAD = 400;

/** What an item holds in memory, about: its strings dominate. */
export function itemBytes(item: ArchiveItem): number {
  const n = ITEM_OVERHEAD + item.event.content.length;
  // A prepared event's tags are JSON text (not parsed for this): its length, about the same.
  const prepared = preparedColumns(item.event);
  if (prepared !== undefined) return n + prepared.tagsJson.length;
  let tags = 0;
  for (const tag of item.event.tags) for (const v of tag) tags += v.length + 16;
  return n + tags;
}

export class SightingWriter {
  readonly #db: Db;
  readonly #options: WriterOptions;
  readonly #relayIds = new RelayIdCache();
  readonly #stored: IdCache;
  #items: ArchiveItem[] = [];
  /** The size of each queued item (itemBytes), and their sum, and the sum in flight. */
  #sizes: number[] = [];
  #queuedBytes = 0;
  #inFlightBytes = 0;
  /** Each cursor with how many sightings had been queued when it was set (its mark). */
  #cursors = new Map<string, { row: ServiceState; mark: number }[]>();
  /** Sightings queued since the start, and those taken into a batch. */
  #queuedTotal = 0;
  #takenTotal = 0;
  #writing: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #failure: unknown;
  #failedSince: number | undefined;
  #probes = 0;

  constructor(db: Db, options: WriterOptions) {
    this.#db = db;
    this.#options = options;
    this.#stored = options.stored ?? new IdCache(options.storedIds ?? DEFAULT_STORED_IDS);
  }

  /** Records ids found archived (e.g. by the verifier's lookup), so copies skip their events. */
  markStored(ids: Iterable<string>): void {
    for (const id of ids) this.#stored.add(id);
  }

  /** Sightings waiting or being written. */
  get queued(): number {
    return this.#items.length + this.#inFlight;
  }

  /** Bytes of events waiting or being written (itemBytes). */
  get queuedBytes(): number {
    return this.#queuedBytes + this.#inFlightBytes;
  }

  get #maxBytes(): number {
    return this.#options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
  }

  #full(): boolean {
    return this.queued >= this.#options.maxQueue || this.queuedBytes >= this.#maxBytes;
  }

  /** The outage epoch (`epoch`) read when the batch that failed began, once one has. */
  get failedSince(): number | undefined {
    return this.#failedSince;
  }

  /** Monitors' write probes (nips/nip66/rtt-write.ts) handed in and left out of the archive. */
  get probesSkipped(): number {
    return this.#probes;
  }

  /**
   * Queues sightings, but monitors' write probes; waits while the queue is full. Throws a
   * failed batch's error.
   */
  async add(handed: readonly ArchiveItem[]): Promise<void> {
    this.#check();
    const items = handed.filter((item) => !isWriteProbe(item.event));
    this.#probes += handed.length - items.length;
    for (const item of items) {
      const size = itemBytes(item);
      this.#items.push(item);
      this.#sizes.push(size);
      this.#queuedBytes += size;
    }
    this.#queuedTotal += items.length;
    const batchFull =
      this.#items.length >= this.#options.batchSize || this.#queuedBytes >= this.#maxBytes / 4;
    if (batchFull) this.#flushSoon(0);
    else this.#flushSoon(this.#options.flushMs);
    while (this.#full()) {
      this.#flushSoon(0);
      await this.#writing;
      this.#check();
    }
  }

  /** Records a relay's cursor; it is written with the next batch (never before its data). */
  setCursor(row: ServiceState): void {
    // Every version is kept until a batch covers it: a newer one set while the queue is
    // longer than a batch would otherwise replace the one the next batch could carry, and
    // the committed cursor would lag the data by up to the whole queue.
    const list = this.#cursors.get(row.stateKey);
    const entry = { row, mark: this.#queuedTotal };
    if (list) list.push(entry);
    else this.#cursors.set(row.stateKey, [entry]);
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
      const { items, bytes } = this.#takeBatch();
      const cursor = this.#coveredCursors();
      this.#inFlight = items.length;
      this.#inFlightBytes = bytes;
      const began = this.#options.epoch?.();
      try {
        const result = await archiveEvents(this.#db, items, {
          profile: this.#options.profile,
          relayIds: this.#relayIds,
          stored: (id) => this.#stored.has(id),
          ...(cursor.length > 0 ? { cursor, asyncCommit: true } : {}),
        });
        this.#remember(items, result);
        await this.#options.onBatch?.(result, items.length, items);
      } catch (error) {
        this.#failure = error;
        this.#failedSince = began;
        return;
      } finally {
        this.#inFlight = 0;
        this.#inFlightBytes = 0;
      }
    }
  }

  /** Up to batchSize sightings and a quarter of the byte bound (at least one), dequeued. */
  #takeBatch(): { items: ArchiveItem[]; bytes: number } {
    let take = 0;
    let bytes = 0;
    const most = Math.min(this.#items.length, this.#options.batchSize);
    while (take < most && (take === 0 || bytes + (this.#sizes[take] ?? 0) <= this.#maxBytes / 4)) {
      bytes += this.#sizes[take] ?? 0;
      take++;
    }
    const items = this.#items.splice(0, take);
    this.#sizes.splice(0, take);
    this.#queuedBytes -= bytes;
    this.#takenTotal += items.length;
    return { items, bytes };
  }

  /**
   * Cursors go only with the batch that holds the last sighting queued before them (not only
   * once the queue is empty: with sightings still coming it may never be). Of each key, the
   * newest version the batches taken so far cover; older ones are superseded.
   */
  #coveredCursors(): ServiceState[] {
    const cursor: ServiceState[] = [];
    for (const [key, list] of this.#cursors) {
      let covered = 0;
      while (covered < list.length && (list[covered]?.mark ?? 0) <= this.#takenTotal) covered++;
      if (covered === 0) continue;
      cursor.push((list[covered - 1] as { row: ServiceState }).row);
      if (covered === list.length) this.#cursors.delete(key);
      else list.splice(0, covered);
    }
    return cursor;
  }
}
