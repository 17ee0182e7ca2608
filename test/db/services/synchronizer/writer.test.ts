import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArchiveItem } from "../../../../src/core/db/archive.js";
import { DbError } from "../../../../src/core/db/errors.js";
import { cursorRow, parseCursor } from "../../../../src/core/db/service-state/sync-cursor.js";
import {
  itemBytes,
  SightingWriter,
  type WriterOptions,
} from "../../../../src/services/synchronizer/writer.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { fakeEvents } from "../../core/helpers.js";

const URL = "wss://writer.example";
const items = (prefix: string, n: number): ArchiveItem[] =>
  fakeEvents(prefix, n).map((event) => ({ event, relayUrl: URL, network: "clearnet", seenAt: 5 }));
const cursorAt = (until: number) => cursorRow(URL, { ...parseCursor(null, {}), until });

async function count(db: TestDatabase, sql: string): Promise<number> {
  return (
    (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`)).rows[0]?.n ?? -1
  );
}

describe("SightingWriter", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });
  const writerWith = (options: Partial<WriterOptions> = {}) =>
    new SightingWriter(db.pool, {
      profile: "bigbrotr",
      batchSize: 1000,
      flushMs: 60_000,
      maxQueue: 10_000,
      ...options,
    });

  it("writes everything queued when flushed, long before its timer", async () => {
    const writer = writerWith();
    await writer.add(items("flush-", 10));
    await writer.flush();
    expect(await count(db, "event WHERE content LIKE 'note flush-%'")).toBe(10);
    expect(writer.queued).toBe(0);
  });

  it("commits a cursor only with the batch holding the last sighting queued before it", async () => {
    const seen: { sightings: number; cursor: boolean }[] = [];
    const probe = async () => {
      const sightings = await count(
        db,
        "event_relay er JOIN event e ON e.id = er.event_id WHERE e.content LIKE 'note order-%'",
      );
      const cursor =
        (await count(db, `service_state WHERE state_key = '${URL}' AND state_type = 'cursor'`)) > 0;
      seen.push({ sightings, cursor });
    };
    const slow = new SightingWriter(db.pool, {
      profile: "bigbrotr",
      batchSize: 5,
      flushMs: 60_000,
      maxQueue: 10_000,
      onBatch: probe,
    });
    await slow.add(items("order-", 12));
    slow.setCursor(cursorAt(100));
    await slow.flush();
    // Batches of 5, 5 and 2: the cursor arrives with the last one, never earlier.
    expect(seen).toEqual([
      { sightings: 5, cursor: false },
      { sightings: 10, cursor: false },
      { sightings: 12, cursor: true },
    ]);
  });

  it("commits a cursor with the batch holding its last sighting, even while more keep coming", async () => {
    const seen: { sightings: number; cursor: boolean }[] = [];
    let more = 5;
    const writer: SightingWriter = new SightingWriter(db.pool, {
      profile: "bigbrotr",
      batchSize: 5,
      flushMs: 60_000,
      maxQueue: 10_000,
      onBatch: async () => {
        const sightings = await count(
          db,
          "event_relay er JOIN event e ON e.id = er.event_id WHERE e.content LIKE 'note busy-%'",
        );
        const cursor =
          (await count(
            db,
            `service_state WHERE state_key = '${URL}-busy' AND state_type = 'cursor'`,
          )) > 0;
        seen.push({ sightings, cursor });
        // Another relay keeps the queue from ever emptying while the writer works.
        if (more-- > 0) await writer.add(items(`busy-more-${more}-`, 5));
      },
    });
    await writer.add(items("busy-", 12));
    writer.setCursor(cursorRow(`${URL}-busy`, { ...parseCursor(null, {}), until: 100 }));
    await writer.flush();
    // Sightings 1-12 are written by the third batch: the cursor is committed with it.
    expect(seen.slice(0, 4)).toEqual([
      { sightings: 5, cursor: false },
      { sightings: 10, cursor: false },
      { sightings: 15, cursor: true },
      { sightings: 20, cursor: true },
    ]);
  });

  it("sends the events of later batches' copies only when it does not know them archived", async () => {
    const writer = writerWith();
    const first = items("known-", 4);
    await writer.add(first);
    await writer.flush();
    // Another relay's copies; a copy PostgreSQL would refuse shows its event was not sent.
    const copies = first.map((i) => ({
      ...i,
      relayUrl: "wss://writer-two.example",
      event: { ...i.event, content: "\u0000" },
    }));
    const results: number[] = [];
    const second = writerWith({
      onBatch: (r) => {
        results.push(r.rejected.length, r.eventRelays);
      },
    });
    // A fresh writer knows nothing: the refused copies are rejected and not linked...
    await second.add(copies.slice(0, 2));
    await second.flush();
    // ...unless told they are archived (the verifier's lookup does), or it wrote them itself.
    second.markStored(copies.slice(2).map((c) => c.event.id));
    await second.add(copies.slice(2));
    await second.flush();
    await writer.add(copies.map((c) => ({ ...c, relayUrl: "wss://writer-three.example" })));
    await writer.flush();
    expect(results).toEqual([2, 0, 0, 2]);
    expect(
      await count(
        db,
        "event_relay er JOIN event e ON e.id = er.event_id WHERE e.content LIKE 'note known-%'",
      ),
    ).toBe(10);
  });

  it("commits with each batch the newest cursor it covers, however many were set after it", async () => {
    // A relay's progress after every page, with the queue three batches long: each batch
    // carries the progress of its own last page, not one that waits for the queue to empty.
    const untils: number[] = [];
    const key = `${URL}-pages`;
    const writer = writerWith({
      batchSize: 10,
      onBatch: async () => {
        const { rows } = await db.pool.query(
          "SELECT state_value FROM service_state WHERE state_key = $1 AND state_type = 'cursor'",
          [key],
        );
        untils.push(rows[0]?.state_value.until ?? -1);
      },
    });
    for (let page = 1; page <= 6; page++) {
      await writer.add(items(`pages-${page}-`, 5));
      writer.setCursor(cursorRow(key, { ...parseCursor(null, {}), until: page }));
    }
    await writer.flush();
    // The first batch is taken as its tenth sighting arrives, before page 2's cursor is set;
    // the pages after it are queued while that batch is written. Keeping only the newest
    // cursor (marked 30) would leave the second batch (sightings 11-20) without one: 1, 1, 6.
    expect(untils).toEqual([1, 4, 6]);
  });

  it("holds a worker back while the queue is full", async () => {
    const writer = new SightingWriter(db.pool, {
      profile: "bigbrotr",
      batchSize: 500,
      flushMs: 60_000,
      maxQueue: 1000,
    });
    await writer.add(items("pressure-", 3000));
    expect(writer.queued).toBeLessThan(1000);
    await writer.flush();
    expect(await count(db, "event WHERE content LIKE 'note pressure-%'")).toBe(3000);
  });

  it("bounds the queue and each batch by bytes too: relays of large events stay in memory", async () => {
    // 100 kB events under a 1 MiB bound: batches of at most 2 (a quarter of it), and a worker
    // adding one at a time is held while a MiB waits.
    const big = items("large-", 30).map((i) => ({
      ...i,
      event: { ...i.event, content: `note large-${"x".repeat(100_000)}` },
    }));
    const batches: number[] = [];
    let peak = 0;
    const writer: SightingWriter = writerWith({
      batchSize: 10_000,
      maxQueue: 10_000,
      maxQueueBytes: 2 ** 20,
      onBatch: async (_r, sightings) => {
        batches.push(sightings);
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    for (const item of big) {
      await writer.add([item]);
      peak = Math.max(peak, writer.queuedBytes);
    }
    await writer.flush();
    expect(Math.max(...batches)).toBe(2);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(30);
    expect(peak).toBeLessThan(2 ** 20 + itemBytes(big[0] as ArchiveItem));
    expect(writer.queuedBytes).toBe(0);
    expect(await count(db, "event WHERE content LIKE 'note large-%'")).toBe(30);
  });

  it("surfaces a failed batch to the next add and flush, and writes nothing after it", async () => {
    // A lilbrotr writer on a bigbrotr archive leaves tags/content/sig NULL: NOT NULL refuses.
    const writer = new SightingWriter(db.pool, {
      profile: "lilbrotr",
      batchSize: 5,
      flushMs: 60_000,
      maxQueue: 10_000,
    });
    await writer.add(items("fail-", 3));
    await expect(writer.flush()).rejects.toBeInstanceOf(DbError);
    await expect(writer.add(items("fail-more-", 3))).rejects.toBeInstanceOf(DbError);
    expect(await count(db, "event WHERE content LIKE 'note fail-%'")).toBe(0);
  });
});
