/**
 * The live path's one pipeline per process: events from every live subscription are
 * collected for a few milliseconds, their signatures checked in one batch (ids archived or
 * verified before skip the check), and the good ones handed to a writer of their own that
 * commits small batches (`flush_ms`, `batch_size`) through archiveEvents. Nothing waits
 * without bound: past `max_pending` events held here or in the writer, `offer` refuses and
 * the caller counts an overflow; a failed write (the database away) loses its batch, which
 * is counted, and a fresh writer takes over. What the live path loses is the windowed
 * cycles' to fetch.
 */
import type { ArchiveItem, ArchiveResult } from "../../../core/db/archive.js";
import type { VerifyBatch } from "../../../nips/nip01/index.js";
import type { SightingWriter } from "../writer.js";

/** A live sighting: when it was received (Date.now()), for the lag. */
export interface LiveItem extends ArchiveItem {
  receivedAt: number;
}

export type LiveRejection = "bad-sig" | "overflow" | "write-failed";

export interface IngestOptions {
  batchSize: number;
  /** Longest wait before a signature check (ms); the writer batches on its own. */
  collectMs: number;
  maxPending: number;
  verify: VerifyBatch;
  /** A new writer (the first, and one after each failure) that reports its batches. */
  makeWriter: (
    onBatch: (result: ArchiveResult, n: number, items: readonly ArchiveItem[]) => void,
  ) => SightingWriter;
  onCommitted: (items: readonly LiveItem[], result: ArchiveResult) => void;
  onRejected: (items: readonly LiveItem[], reason: LiveRejection) => void;
  /** The process's database outage epoch (core/db-outage.ts); the writers read it too. */
  epoch: () => number;
  /**
   * A write or a lookup failed (the items are counted as write-failed already); `since` is
   * the outage epoch read when the failed work began (the writer's batch, or the check).
   */
  onFailure: (error: unknown, since: number | undefined) => void;
}

export class LiveIngest {
  readonly #o: IngestOptions;
  #writer: SightingWriter;
  #pending: LiveItem[] = [];
  /** Items being verified. */
  #verifying = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: IngestOptions) {
    this.#o = options;
    this.#writer = this.#newWriter();
  }

  #newWriter(): SightingWriter {
    return this.#o.makeWriter((result, _n, items) =>
      this.#o.onCommitted(items as readonly LiveItem[], result),
    );
  }

  /** Events held (collected, being verified, or queued in the writer). */
  get held(): number {
    return this.#pending.length + this.#verifying + this.#writer.queued;
  }

  /** Takes an event for archiving; false (nothing kept) when `maxPending` are held. */
  offer(item: LiveItem): boolean {
    if (this.held >= this.#o.maxPending) return false;
    this.#pending.push(item);
    if (this.#pending.length >= this.#o.batchSize) this.#kick();
    else this.#timer ??= setTimeout(() => this.#kick(), this.#o.collectMs);
    return true;
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#pending.length > 0) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#o.batchSize);
      this.#verifying = batch.length;
      const began = this.#o.epoch();
      try {
        await this.#archive(batch);
      } catch (error) {
        // A failed write of the writer's surfaces at the next add: its batch began earlier.
        this.#failed(error, batch, this.#writer.failedSince ?? began);
      } finally {
        this.#verifying = 0;
      }
    }
  }

  async #archive(batch: LiveItem[]): Promise<void> {
    const ok = await this.#o.verify(batch.map((i) => i.event));
    const good: LiveItem[] = [];
    const bad: LiveItem[] = [];
    batch.forEach((item, k) => {
      (ok[k] === true ? good : bad).push(item);
    });
    if (bad.length > 0) this.#o.onRejected(bad, "bad-sig");
    if (good.length > 0) await this.#writer.add(good);
  }

  /** The batch is lost (and what the broken writer still held): counted, a new writer. */
  #failed(error: unknown, batch: LiveItem[], since: number): void {
    this.#o.onRejected(batch, "write-failed");
    this.#o.onFailure(error, since);
    this.#writer = this.#newWriter();
  }

  /** Writes what is held and waits for it (the end of the live loop). */
  async close(): Promise<void> {
    this.#kick();
    await this.#running;
    try {
      await this.#writer.flush();
    } catch (error) {
      this.#o.onFailure(error, this.#writer.failedSince);
    }
  }
}
