/**
 * One open GET /v1/stream: a ReadableStream of SSE that gets the feed's changes matching its
 * filter, after the backlog since Last-Event-ID when one was sent (bounded: past `backlog`
 * changes a `truncated` notice says some were skipped), a heartbeat comment every
 * `heartbeatMs`, and ends when the client goes, when it falls `maxQueued` events behind (a
 * `slow` notice), or when the server closes.
 */

import { newestChangesAfter } from "../../core/db/api/relay-changes.js";
import type { Db } from "../../core/db/pool.js";
import type { Network } from "../../models/network.js";
import type { ChangeKind, RelayChange } from "../../models/relay-change.js";
import type { ChangeFeed, EncodedChange } from "./change-feed.js";
import { encodeChange, encodeNotice, encodeRetry, HEARTBEAT } from "./sse-format.js";

export interface StreamFilter {
  relays?: ReadonlySet<string>;
  networks?: ReadonlySet<Network>;
  kinds?: ReadonlySet<ChangeKind>;
}

export const matches = (f: StreamFilter, c: RelayChange): boolean =>
  (f.relays === undefined || f.relays.has(c.relayUrl)) &&
  (f.networks === undefined || f.networks.has(c.network)) &&
  (f.kinds === undefined || f.kinds.has(c.kind));

export interface ChangeStreamOptions {
  feed: ChangeFeed;
  db: Db;
  filter: StreamFilter;
  lastEventId?: number;
  backlog: number;
  heartbeatMs: number;
  /** Events queued for a client that does not read before it is dropped. */
  maxQueued: number;
  /** The server is closing. */
  signal: AbortSignal;
  onClose(): void;
}

class Sink {
  closed = false;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  readonly stream: ReadableStream<Uint8Array>;
  readonly #maxQueued: number;
  #onClose: () => void = () => {};

  constructor(maxQueued: number) {
    this.#maxQueued = maxQueued;
    this.stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#controller = c;
      },
      cancel: () => this.close(),
    });
  }

  onClose(fn: () => void): void {
    this.#onClose = fn;
  }

  send(bytes: Uint8Array): void {
    const c = this.#controller;
    if (this.closed || c === undefined) return;
    if ((c.desiredSize ?? 0) < -this.#maxQueued) {
      c.enqueue(encodeNotice("slow", { reason: "the client did not read; reconnect" }));
      this.close();
      return;
    }
    c.enqueue(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.#controller?.close();
    } catch {
      // already closed by the reader
    }
    this.#onClose();
  }
}

/** Sends the changes after `lastEventId` (newest `backlog` of them); returns their ids. */
async function sendBacklog(o: ChangeStreamOptions, sink: Sink, after: number) {
  const rows = await newestChangesAfter(o.db, after, o.backlog + 1);
  if (rows.length > o.backlog) {
    rows.shift();
    sink.send(encodeNotice("truncated", { after, resumed_from: rows[0]?.id }));
  }
  const sent = new Set<number>();
  for (const row of rows) {
    if (!matches(o.filter, row)) continue;
    sink.send(encodeChange(row));
    sent.add(row.id);
  }
  return sent;
}

/** Opens a stream; rejects (nothing left open) when the feed or the backlog cannot be read. */
export async function openChangeStream(
  o: ChangeStreamOptions,
): Promise<ReadableStream<Uint8Array>> {
  const sink = new Sink(o.maxQueued);
  let pending: EncodedChange[] | undefined = o.lastEventId === undefined ? undefined : [];
  let skip = new Set<number>();
  const live = (e: EncodedChange) => {
    if (!matches(o.filter, e.change)) return;
    if (pending) pending.push(e);
    else if (!skip.has(e.change.id)) sink.send(e.bytes);
  };
  const unsubscribe = await o.feed.subscribe(live);
  const heartbeat = setInterval(() => sink.send(HEARTBEAT), o.heartbeatMs);
  const onAbort = () => sink.close();
  sink.onClose(() => {
    clearInterval(heartbeat);
    o.signal.removeEventListener("abort", onAbort);
    unsubscribe();
    o.onClose();
  });
  o.signal.addEventListener("abort", onAbort, { once: true });
  sink.send(encodeRetry(3000));
  if (o.lastEventId !== undefined) {
    try {
      skip = await sendBacklog(o, sink, o.lastEventId);
    } catch (error) {
      sink.close();
      throw error;
    }
    for (const e of pending ?? []) if (!skip.has(e.change.id)) sink.send(e.bytes);
    pending = undefined;
  }
  if (o.signal.aborted) sink.close();
  return sink.stream;
}
