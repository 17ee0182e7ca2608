import type pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertEventRelays } from "../../../src/core/db/event-relays.js";
import { createPool } from "../../../src/core/db/pool.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { statisticsLag } from "../../../src/core/db/statistics/progress.js";
import {
  type Chunk,
  rebuildStatistics,
  refreshStatistics,
} from "../../../src/core/db/statistics/refresh.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { RandomArchive } from "../../support/random-archive.js";
import { expectStatisticsExact } from "../../support/statistics-exact.js";

const NOW = 1_790_000_000;
let db: TestDatabase;
let clients: pg.PoolClient[] = [];
beforeEach(async () => {
  db = await createTestDatabase({ poolSize: 8 });
});
afterEach(async () => {
  for (const c of clients) c.release();
  clients = [];
  await db.drop();
});

/** A connection inside an open transaction (the caller commits it). */
async function openTransaction(): Promise<pg.PoolClient> {
  const client = await db.pool.connect();
  clients.push(client);
  await client.query("BEGIN");
  return client;
}

const counted = async () =>
  (await db.pool.query("SELECT event_count FROM event_stats")).rows[0]?.event_count as number;
const watermark = async () =>
  (await db.pool.query("SELECT watermark::text AS w FROM stats_progress")).rows[0].w as string;
const refresh = (options: { chunkRows?: number } = {}) =>
  refreshStatistics(db.pool, { now: NOW, ...options });
const relay = (url: string) => ({ url, network: "clearnet" as const, discoveredAt: 1 });

/**
 * Two open transactions, `early` (the older) and `holder`, and an event stored above both: a
 * sighting `early` stores of it is older than the event, and counted while `holder` holds the
 * walk back below the event.
 */
async function eventAboveHolder(a: RandomArchive) {
  const early = await openTransaction();
  await insertRelays(early, [relay("wss://early.example")]); // its id is the oldest
  const holder = await openTransaction();
  await insertRelays(holder, [relay("wss://holder.example")]);
  await a.archive(db.pool, 1);
  return { early, holder, event: a.events.at(-1)?.id as string };
}

describe("transactions that commit late", () => {
  it("are counted once they commit, though a cycle walked past later ones", async () => {
    const a = new RandomArchive("bigbrotr", 1, NOW);
    await a.archive(db.pool, 20);
    a.growRelays = false; // another writer would wait for a relay the open transaction adds
    const slow = await openTransaction();
    await a.archive(slow, 10, 3);
    await a.archive(db.pool, 10); // stored and committed after `slow` began
    expect((await refresh()).complete).toBe(true);
    expect(await counted()).toBe(20); // the walk stops below the open transaction
    expect((await statisticsLag(db.pool)).pendingRows).toBeGreaterThanOrEqual(20);
    await slow.query("COMMIT");
    await refresh();
    expect(await counted()).toBe(40);
    await expectStatisticsExact(db.pool);
  });

  it("count a sighting stored before its event, and subtract only what was counted", async () => {
    const a = new RandomArchive("bigbrotr", 2, NOW);
    await a.archive(db.pool, 10);
    await insertRelays(db.pool, [relay("wss://late.example")]);
    const { early, holder, event } = await eventAboveHolder(a);
    await insertEventRelays(early, [{ eventId: event, relayUrl: "wss://late.example", seenAt: 5 }]);
    await early.query("COMMIT");
    // Below the holder: the early sighting is counted, its event is not yet.
    await refresh({ chunkRows: 3 });
    const late = await db.pool.query(
      "SELECT event_count FROM relay_stats WHERE relay_url = 'wss://late.example'",
    );
    expect(late.rows[0].event_count).toBe(1);
    expect(await counted()).toBe(10);
    // Deletes of rows on both sides of the watermark while it is held back.
    await a.archive(db.pool, 5);
    const ids = [a.events[0]?.id, a.events.at(-1)?.id, event].map((id) =>
      Buffer.from(id as string, "hex"),
    );
    await db.pool.query("DELETE FROM event WHERE id = ANY($1)", [ids]);
    await refresh({ chunkRows: 3 });
    await holder.query("COMMIT");
    await refresh({ chunkRows: 3 });
    await expectStatisticsExact(db.pool);
  });

  it("count an event once on a network where a sighting was counted before it", async () => {
    const a = new RandomArchive("bigbrotr", 3, NOW);
    await a.archive(db.pool, 10);
    await insertRelays(db.pool, [relay("wss://early-seen.example"), relay("wss://next.example")]);
    const { early, holder, event } = await eventAboveHolder(a);
    const seen = (relayUrl: string) => ({ eventId: event, relayUrl, seenAt: 5 });
    await insertEventRelays(early, [seen("wss://early-seen.example")]);
    await early.query("COMMIT");
    await insertEventRelays(db.pool, [seen("wss://next.example")]); // above the holder too
    await refresh({ chunkRows: 2 }); // the early sighting, and clearnet has the event
    await holder.query("COMMIT");
    await refresh({ chunkRows: 2 }); // the event with its other clearnet sightings
    await expectStatisticsExact(db.pool);
  });
});

describe("refreshers", () => {
  it("never double-count when several run at once, while archivers write", async () => {
    const a = new RandomArchive("bigbrotr", 3, NOW);
    let busy = 0;
    for (let round = 0; round < 6; round++) {
      await a.archive(db.pool, 30, 5); // a backlog each of them would take
      const reports = await Promise.all([
        refresh({ chunkRows: 5 }),
        refresh({ chunkRows: 7 }),
        a.archive(db.pool, 15, 5).then(() => refresh({ chunkRows: 11 })),
        a.checks(db.pool, 3).then(() => null),
      ]);
      busy += reports.filter((r) => r?.busy).length;
    }
    await refresh();
    await expectStatisticsExact(db.pool);
    expect(busy).toBeGreaterThan(0);
  });

  it("roll a failed transaction back whole, and the next cycle counts it once", async () => {
    const a = new RandomArchive("bigbrotr", 4, NOW);
    await a.archive(db.pool, 20);
    await refresh();
    const before = { count: await counted(), watermark: await watermark() };
    await a.archive(db.pool, 20, 5);
    const blocker = await openTransaction();
    await blocker.query("LOCK TABLE stats_relay IN ACCESS EXCLUSIVE MODE");
    const impatient = createPool({ url: db.url, max: 2, statementTimeoutMs: 500 });
    try {
      // The event summaries are updated before stats_relay blocks: all of it rolls back.
      await expect(refreshStatistics(impatient, { now: NOW })).rejects.toThrow(/timeout/);
    } finally {
      await impatient.end();
    }
    await blocker.query("ROLLBACK");
    expect({ count: await counted(), watermark: await watermark() }).toEqual(before);
    await refresh();
    await expectStatisticsExact(db.pool);
  });
});

describe("a backlog", () => {
  it("is taken in bounded transactions, each committing its watermark", async () => {
    const a = new RandomArchive("bigbrotr", 5, NOW);
    for (let i = 0; i < 20; i++) await a.archive(db.pool, 5);
    const chunks: Chunk[] = [];
    const stop = new AbortController();
    const partial = await refreshStatistics(db.pool, {
      now: NOW,
      chunkRows: 10,
      signal: stop.signal,
      onChunk: (c) => {
        chunks.push(c);
        if (chunks.length === 3) stop.abort();
      },
    });
    expect(partial).toMatchObject({ complete: false, chunks: 3 });
    expect(await watermark()).toBe(chunks[2]?.watermark);
    const rest = await refreshStatistics(db.pool, {
      now: NOW,
      chunkRows: 10,
      onChunk: (c) => chunks.push(c),
    });
    expect(rest.complete).toBe(true);
    const walks = chunks.filter((c) => c.phase === "walk");
    expect(walks.length).toBeGreaterThanOrEqual(10);
    for (const c of walks) expect(c.events).toBeLessThanOrEqual(10);
    expect(walks.reduce((n, c) => n + c.events, 0)).toBe(100);
    await expectStatisticsExact(db.pool);
  });
});

describe("deletions", () => {
  it("are subtracted event by event, however small the chunks", async () => {
    const a = new RandomArchive("bigbrotr", 7, NOW);
    await a.archive(db.pool, 30, 30); // events seen on several relays of one network
    await refresh();
    // Each event's sightings are logged together; the drain must not split them.
    const doomed = a.events.slice(0, 6).map((e) => Buffer.from(e.id, "hex"));
    await db.pool.query("DELETE FROM event_relay WHERE event_id = ANY($1)", [doomed.slice(0, 3)]);
    await db.pool.query("DELETE FROM event WHERE id = ANY($1)", [doomed.slice(3)]);
    await db.pool.query("DELETE FROM relay WHERE url = $1", [a.relays[0]?.url]);
    const report = await refresh({ chunkRows: 1 });
    expect(report.deletedSightings).toBeGreaterThan(report.chunks / 2);
    await expectStatisticsExact(db.pool);
  });
});

describe("rebuildStatistics", () => {
  it("fills the tables from scratch to the same statistics, as a TRUNCATE does", async () => {
    const a = new RandomArchive("lilbrotr", 6, NOW);
    const lil = await createTestDatabase({ profile: "lilbrotr" });
    try {
      await a.archive(lil.pool, 40, 10);
      await a.checks(lil.pool, 8);
      await lil.pool.query("DELETE FROM relay WHERE url = $1", [a.relays[0]?.url]);
      await rebuildStatistics(lil.pool, NOW);
      await expectStatisticsExact(lil.pool, "lilbrotr", "after a rebuild");
      await lil.pool.query("TRUNCATE relay CASCADE");
      await refreshStatistics(lil.pool, { now: NOW });
      await expectStatisticsExact(lil.pool, "lilbrotr", "after TRUNCATE relay");
    } finally {
      await lil.drop();
    }
  });
});
