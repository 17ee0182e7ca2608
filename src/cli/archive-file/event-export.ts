/**
 * Streams archived events as JSON lines (NIP-01 event objects) in constant memory: one page
 * is read, written, and waited for before the next is read, so a slow reader slows the
 * export instead of growing a buffer.
 */
import type { Writable } from "node:stream";
import type { Db } from "../../core/db/pool.js";
import {
  type ArchivedEvent,
  type EventCursor,
  type EventQuery,
  readEventPage,
} from "../../core/db/read/events.js";

export interface ExportOptions {
  /** Add `"relays": [url, …]`, the relays each event was seen on (a faithful backup). */
  withRelays?: boolean;
  /** Events per page at most (default 5,000). */
  pageSize?: number;
  /** Bytes of output a page aims at: pages of large events shrink (default 32 MiB). */
  maxPageBytes?: number;
  /** Checked between pages. */
  signal?: AbortSignal;
  /** Called after each page with the number of events written so far. */
  onProgress?: (written: number) => void;
}

export interface ExportResult {
  events: number;
  /** False when the signal stopped the export early. */
  complete: boolean;
}

export const DEFAULT_PAGE_SIZE = 5000;

/** One output line: the seven NIP-01 fields in their usual order, then `relays` if asked. */
export function exportLine(item: ArchivedEvent): string {
  const { id, pubkey, created_at, kind, tags, content, sig } = item.event;
  const out =
    item.relays === undefined
      ? { id, pubkey, created_at, kind, tags, content, sig }
      : { id, pubkey, created_at, kind, tags, content, sig, relays: item.relays };
  return `${JSON.stringify(out)}\n`;
}

/**
 * Writes to a stream with backpressure: `write` waits for 'drain' when the stream's buffer
 * is full, and throws the stream's error (e.g. EPIPE when the reader went away).
 */
class Sink {
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #onError = (error: Error) => {
    this.#failure ??= error;
    this.#wake?.();
  };

  constructor(private readonly out: Writable) {
    // Without a listener, a failed write's 'error' event would crash the process.
    out.on("error", this.#onError);
  }

  async write(text: string): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.out.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off("drain", done);
        this.out.off("close", done);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      this.out.on("drain", done);
      this.out.on("close", done);
    });
    if (this.#failure) throw this.#failure;
    if (this.out.destroyed) throw new Error("output closed");
  }

  /**
   * Writes `text` and resolves once it (and everything before it) has been handed on, or
   * throws the stream's error: the page boundary, where a reader that went away is seen
   * before the next page is read.
   */
  async writeAndSettle(text: string): Promise<void> {
    if (this.#failure) throw this.#failure;
    await new Promise<void>((resolve, reject) => {
      this.out.write(text, (error) => (error ? reject(error) : resolve()));
    });
    if (this.#failure) throw this.#failure;
  }

  close(): void {
    this.out.off("error", this.#onError);
  }
}

const DEFAULT_MAX_PAGE_BYTES = 32 * 1024 * 1024;
const MIN_PAGE_SIZE = 10;

/** The next page's size: scaled so its output aims at `target` bytes, within [10, max]. */
function nextLimit(limit: number, bytes: number, target: number, max: number): number {
  if (bytes === 0) return max;
  const scaled = Math.floor((limit * target) / bytes);
  return Math.min(max, Math.max(MIN_PAGE_SIZE, scaled));
}

/**
 * Writes every event matching `query` to `out`, oldest first. Rejects with the stream's
 * error (e.g. EPIPE when the reader went away) or a database error.
 */
export async function exportEvents(
  db: Db,
  query: EventQuery,
  out: Writable,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const max = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const target = options.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES;
  const withRelays = options.withRelays === true;
  const sink = new Sink(out);
  let limit = max;
  let after: EventCursor | undefined;
  let events = 0;
  try {
    for (;;) {
      if (options.signal?.aborted) return { events, complete: false };
      const page = await readEventPage(db, query, {
        limit,
        withRelays,
        ...(after ? { after } : {}),
      });
      let bytes = 0;
      const last = page.events.length - 1;
      for (const [i, item] of page.events.entries()) {
        const line = exportLine(item);
        bytes += line.length;
        await (i === last ? sink.writeAndSettle(line) : sink.write(line));
      }
      events += page.events.length;
      options.onProgress?.(events);
      if (page.next === null) break;
      after = page.next;
      limit = nextLimit(limit, bytes, target, max);
    }
    return { events, complete: true };
  } finally {
    sink.close();
  }
}
