import { describe, expect, it } from "vitest";
import { streamedEvent } from "../../../../src/devnet/stream.js";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import {
  RELAY_DEFAULTS,
  type RelayClient,
  RelayTimeoutError,
} from "../../../../src/nips/nip01/index.js";
import { VERIFY_BATCH_SIZE } from "../../../../src/nips/nip01/subscription.js";
import { retainedHeapBytes } from "../../../support/heap.js";
import { collect, useRelays } from "./helpers.js";

const { relay, client } = useRelays(() => []);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How far a queue may pass its mark: once reading is paused, `ws` still parses the rest of
 * the socket read it is in (at most 64 KiB) plus a frame left over from the previous one.
 */
function overshoot(count: number): number {
  const frameBytes = JSON.stringify(["EVENT", "x", streamedEvent(0, count)]).length;
  return Math.ceil((64 * 1024) / frameBytes) + 1;
}

/** Fails with `what` unless `promise` settles within `ms` (instead of hanging the test). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Heap that `count` events parsed from the wire take when all of them are held at once. */
function heapOfQueuedEvents(count: number): number {
  const before = retainedHeapBytes();
  const held = Array.from({ length: count }, (_, i) =>
    JSON.parse(JSON.stringify(streamedEvent(i, count))),
  );
  const bytes = retainedHeapBytes() - before;
  expect(held).toHaveLength(count);
  return bytes;
}

/** Resolves once the client paused reading (its queue reached the mark). */
async function pausedBy(c: RelayClient): Promise<void> {
  while (!c.readPaused) await sleep(10);
}

async function pausedSoon(c: RelayClient): Promise<void> {
  for (let i = 0; i < 100 && !c.readPaused; i++) await sleep(10);
  expect(c.readPaused).toBe(true);
}

/** Reads a whole REQ, asserting the stream order (content `stream <i>`). */
async function readInOrder(iterable: AsyncIterable<NostrEvent>, pace?: (n: number) => unknown) {
  let n = 0;
  for await (const ev of iterable) {
    expect(ev.content).toBe(`stream ${n}`);
    n++;
    await pace?.(n);
  }
  return n;
}

describe("RelayClient.req backpressure", () => {
  it("keeps the queue at its mark and loses nothing over 50,000 events", async () => {
    const total = 50_000;
    const mark = 2_000;
    const r = await relay({ streamEvents: total });
    const c = await client(r.url);
    const fullQueue = heapOfQueuedEvents(total);
    const base = retainedHeapBytes();
    let grown = 0;
    let n = 0;
    let behind = 0;
    for await (const ev of c.req([{ kinds: [1] }])) {
      expect(ev.content).toBe(`stream ${n}`);
      n++;
      behind = Math.max(behind, c.stats.events - n);
      // One long stall (a slow database write) that lasts until the queue reached its mark
      // and reading paused (a fixed sleep was too short on a loaded machine), then 1 ms
      // every 1,000 events.
      if (n === 1_000) await within(pausedBy(c), 20_000, "reading paused during the stall");
      if (n % 10_000 === 1_000) grown = Math.max(grown, retainedHeapBytes() - base);
      if (n % 1_000 === 0) await sleep(1);
    }
    expect(n).toBe(total);
    expect(c.stats.readPauses).toBeGreaterThan(0);
    expect(c.stats.peakQueued).toBeGreaterThanOrEqual(mark);
    expect(c.stats.peakQueued).toBeLessThanOrEqual(mark + overshoot(total));
    expect(behind).toBeLessThanOrEqual(c.stats.peakQueued);
    // Loose: the queue at its mark is a few percent of all events queued at once.
    expect(grown).toBeLessThan(fullQueue / 6);
    expect(c.readPaused).toBe(false);
  }, 120_000); // 50,000 events and heap snapshots: tens of seconds on a loaded machine

  it("counts events waiting for verification toward the mark", async () => {
    const total = 10_000;
    // Above two batches (one being accepted, one filling), which a consumer that keeps up
    // can reach: only batches waiting for a slow `verify` fill this queue.
    const mark = 2 * VERIFY_BATCH_SIZE + 100;
    const r = await relay({ streamEvents: total });
    const c = await client(r.url);
    const verify = async (batch: NostrEvent[]) => {
      await sleep(20);
      return batch.map(() => true);
    };
    const n = await readInOrder(c.req([{ kinds: [1] }], { verify, maxQueuedEvents: mark }));
    expect(n).toBe(total);
    expect(c.stats.readPauses).toBeGreaterThan(0);
    expect(c.stats.peakQueued).toBeGreaterThanOrEqual(mark);
    expect(c.stats.peakQueued).toBeLessThanOrEqual(mark + overshoot(total));
  });

  it("does not time out for silence while paused, but does once the relay is silent", async () => {
    const total = 5_000;
    const r = await relay({ streamEvents: total, noEose: true });
    const c = await client(r.url);
    const req = c.req([{ kinds: [1] }], { idleTimeoutMs: 150, maxQueuedEvents: 200 });
    let n = 0;
    const error = await readInOrder(req, async (seen) => {
      n = seen;
      if (seen !== 10) return;
      await pausedSoon(c);
      await sleep(600);
    }).catch((e: unknown) => e);
    expect(n).toBe(total);
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error).toMatchObject({ phase: "idle" });
  });

  it("leaves paused time out of the EOSE deadline", async () => {
    const total = 3_000;
    const r = await relay({ streamEvents: total });
    const c = await client(r.url);
    // The pause outlasts the deadline; the deadline leaves room for a loaded machine.
    const req = c.req([{ kinds: [1] }], { eoseTimeoutMs: 1500, maxQueuedEvents: 200 });
    const n = await readInOrder(req, async (seen) => {
      if (seen !== 10) return;
      await pausedSoon(c);
      await sleep(2500);
    });
    expect(n).toBe(total);
  });

  it("pauses a shared socket for a slow REQ and resumes it when it ends", async () => {
    const total = 5_000;
    const r = await relay({ streamEvents: total });
    const c = await client(r.url, { maxQueuedEvents: 200 });
    let slowRead = 0;
    let slowReadWhenFastEnded = 0;
    const slow = readInOrder(c.req([{ kinds: [1] }]), async (seen) => {
      slowRead = seen;
      if (seen % 100 === 0) await sleep(2);
    });
    const fast = readInOrder(c.req([{ kinds: [1] }])).then((n) => {
      slowReadWhenFastEnded = slowRead;
      return n;
    });
    const both = await within(Promise.all([slow, fast]), 10_000, "both REQs");
    expect(both).toEqual([total, total]);
    expect(c.stats.readPauses).toBeGreaterThan(0);
    // The fast REQ shares the paused socket, so it could not finish far ahead of the slow one.
    expect(slowReadWhenFastEnded).toBeGreaterThan(total / 2);
    expect(c.readPaused).toBe(false);
    r.options.streamEvents = 20;
    expect(await within(collect(c.req([{ kinds: [1] }])), 2000, "REQ after")).toHaveLength(20);
  });

  it("lets go of the socket when a stalled REQ is aborted", async () => {
    const r = await relay({ streamEvents: 3_000 });
    const c = await client(r.url, { maxQueuedEvents: 200 });
    const controller = new AbortController();
    const stalled = c.req([{ kinds: [1] }], { signal: controller.signal });
    await stalled.next();
    let other = 0;
    const done = readInOrder(c.req([{ kinds: [1] }]), (seen) => {
      other = seen;
    });
    await pausedSoon(c);
    await sleep(50);
    const blockedAt = other;
    await sleep(200);
    // Head-of-line: the stalled REQ's full queue keeps the shared socket paused.
    expect(c.readPaused).toBe(true);
    expect(other).toBe(blockedAt);
    controller.abort(new Error("enough"));
    expect(c.readPaused).toBe(false);
    expect(await within(done, 5000, "the other REQ")).toBe(3_000);
    await expect(stalled.next()).rejects.toThrow("enough");
  });

  it("refuses a mark below 1", async () => {
    const r = await relay({ streamEvents: 10 });
    const c = await client(r.url);
    const req = c.req([{ kinds: [1] }], { maxQueuedEvents: 0 });
    await expect(collect(req)).rejects.toBeInstanceOf(RangeError);
  });

  it("resumes and sends CLOSE when the consumer breaks out while paused", async () => {
    const r = await relay({ streamEvents: 20_000 });
    const c = await client(r.url, { maxQueuedEvents: 300 });
    for await (const _ of c.req([{ kinds: [1] }])) {
      await pausedSoon(c);
      break;
    }
    expect(c.readPaused).toBe(false);
    await sleep(100);
    const closes = r.received.filter((m) => Array.isArray(m) && m[0] === "CLOSE");
    expect(closes).toHaveLength(1);
    r.options.streamEvents = 20;
    const after = await within(readInOrder(c.req([{ kinds: [1] }])), 2000, "REQ after break");
    expect(after).toBe(20);
  });

  it("reads the relay's close frame when closed while paused", async () => {
    const r = await relay({ streamEvents: 50_000 });
    const c = await client(r.url, { maxQueuedEvents: 100 });
    const req = c.req([{ kinds: [1] }]);
    await req.next();
    await pausedSoon(c);
    // Without reading on, the handshake never completes and close() ends by terminating the
    // socket after closeTimeoutMs.
    await within(c.close(), RELAY_DEFAULTS.closeTimeoutMs / 2, "close() while paused");
    expect(c.readPaused).toBe(false);
    await req.return();
  });
});
