import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportEvents } from "../../../../src/cli/archive-file/event-export.js";
import { archiveEvents } from "../../../../src/core/db/archive.js";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { fakeEvent, TRICKY } from "../../core/helpers.js";

const A = "wss://a.example.com";
const B = "wss://b.example.com";

/** A writable that keeps what it gets; `delay` makes it a slow reader, `fail` a closed pipe. */
class Collector extends Writable {
  chunks: string[] = [];
  maxBuffered = 0;
  constructor(private readonly opts: { highWaterMark?: number; failAfter?: number } = {}) {
    super({ highWaterMark: opts.highWaterMark ?? 16_384, decodeStrings: false });
  }
  override _write(chunk: string, _enc: string, done: (error?: Error | null) => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    if (this.opts.failAfter !== undefined && this.chunks.length >= this.opts.failAfter) {
      done(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      return;
    }
    this.chunks.push(chunk);
    setImmediate(() => done());
  }
  get text(): string {
    return this.chunks.join("");
  }
}

describe("exportEvents", () => {
  let db: TestDatabase;
  const events: NostrEvent[] = [
    ...Array.from({ length: 40 }, (_, i) => fakeEvent(`export-${i}`)),
    ...TRICKY.map((t, i) => fakeEvent(`tricky-${i}`, t)),
  ];
  const sorted = [...events].sort(
    (a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );

  beforeAll(async () => {
    db = await createTestDatabase();
    await archiveEvents(
      db.pool,
      events.flatMap((event, i) => [
        { event, relayUrl: A, network: "clearnet" as const, seenAt: 1 },
        ...(i % 2 ? [{ event, relayUrl: B, network: "clearnet" as const, seenAt: 2 }] : []),
      ]),
      { profile: "bigbrotr" },
    );
  });
  afterAll(async () => {
    await db.drop();
  });

  it("writes one NIP-01 event per line, oldest first, the same with any page size", async () => {
    const outputs: string[] = [];
    for (const pageSize of [3, 5000]) {
      const out = new Collector();
      const result = await exportEvents(db.pool, {}, out, { pageSize });
      expect(result).toEqual({ events: events.length, complete: true });
      outputs.push(out.text);
    }
    expect(outputs[0]).toBe(outputs[1]);
    const lines = (outputs[0] as string).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((l) => JSON.parse(l))).toEqual(sorted);
    expect(Object.keys(JSON.parse(lines[0] as string))).toEqual([
      "id",
      "pubkey",
      "created_at",
      "kind",
      "tags",
      "content",
      "sig",
    ]);
  });

  it("adds the relays field with --with-relays", async () => {
    const out = new Collector();
    await exportEvents(db.pool, { relayUrl: B }, out, { withRelays: true, pageSize: 4 });
    const parsed = out.text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(parsed.length).toBe(events.filter((_, i) => i % 2).length);
    for (const p of parsed) expect(p.relays).toEqual([A, B]);
  });

  it("waits for a slow reader instead of buffering the archive", async () => {
    const out = new Collector({ highWaterMark: 1 });
    await exportEvents(db.pool, {}, out, { pageSize: 5000 });
    const lines = out.chunks.filter((c) => c !== "");
    const longest = Math.max(...lines.map((c) => c.length));
    expect(lines.length).toBe(events.length);
    expect(out.maxBuffered).toBeLessThanOrEqual(longest);
  });

  it("shrinks the pages of large events so a page stays near its byte budget", async () => {
    const big = await createTestDatabase();
    try {
      const large = Array.from({ length: 300 }, (_, i) =>
        fakeEvent(`large-${i}`, { content: "x".repeat(2000) }),
      );
      await archiveEvents(
        big.pool,
        large.map((event) => ({ event, relayUrl: A, network: "clearnet" as const, seenAt: 1 })),
        { profile: "bigbrotr" },
      );
      const written: number[] = [];
      const out = new Collector();
      await exportEvents(big.pool, {}, out, {
        pageSize: 100,
        maxPageBytes: 50_000,
        onProgress: (n) => written.push(n),
      });
      const pages = written.map((n, i) => n - (written[i - 1] ?? 0));
      expect(pages[0]).toBe(100);
      // About 2.5 kB a line: the next pages hold about 50,000 / 2,500 = 20 events.
      for (const size of pages.slice(1, -1)) expect(size).toBeGreaterThanOrEqual(10);
      for (const size of pages.slice(1, -1)) expect(size).toBeLessThanOrEqual(25);
      expect(written.at(-1)).toBe(300);
      expect(out.text.split("\n").length - 1).toBe(300);
    } finally {
      await big.drop();
    }
  });

  it("rejects with the stream's error when the reader goes away, and stops reading", async () => {
    const out = new Collector({ failAfter: 5 });
    const pages: number[] = [];
    await expect(
      exportEvents(db.pool, {}, out, { pageSize: 2, onProgress: (n) => pages.push(n) }),
    ).rejects.toMatchObject({ code: "EPIPE" });
    // Each page waits for its last line to be handed on: the failed 6th line stops the
    // export in page 3, before a 4th page is read, whatever the machine's speed.
    expect(pages).toEqual([2, 4]);
  });

  it("stops between pages when the signal aborts", async () => {
    const controller = new AbortController();
    const out = new Collector();
    const result = await exportEvents(db.pool, {}, out, {
      pageSize: 10,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(result).toEqual({ events: 10, complete: false });
  });
});
