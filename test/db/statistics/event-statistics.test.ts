import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshStatistics } from "../../../src/core/db/statistics/refresh.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { A, B, DAY, events, FAR_FUTURE, loadDataset, pk, rows, T0, TOR } from "./dataset.js";

let db: TestDatabase;
let now: number;
let refreshedBetween: [number, number];

beforeAll(async () => {
  db = await createTestDatabase();
  now = Math.floor(Date.now() / 1000);
  await loadDataset(db.pool, "bigbrotr", now);
  const before = Math.floor(Date.now() / 1000);
  const report = await refreshStatistics(db.pool);
  refreshedBetween = [before, Math.ceil(Date.now() / 1000)];
  expect(report.complete).toBe(true);
});
afterAll(async () => {
  await db?.drop();
});

describe("event statistics", () => {
  it("event_stats: totals, NIP-01 classes and rolling windows measured at refresh time", async () => {
    const [stats] = await rows(db.pool, "SELECT * FROM event_stats");
    const { refreshed_at, ...rest } = stats as { refreshed_at: number };
    expect(refreshed_at).toBeGreaterThanOrEqual(refreshedBetween[0]);
    expect(refreshed_at).toBeLessThanOrEqual(refreshedBetween[1]);
    expect(rest).toEqual({
      singleton_key: 1,
      event_count: 23,
      unique_pubkeys: 3,
      unique_kinds: 10,
      earliest_created_at: T0,
      latest_created_at: FAR_FUTURE,
      regular_count: 9,
      replaceable_count: 4,
      ephemeral_count: 1,
      addressable_count: 8,
      other_count: 1,
      count_1h: 1, // the future-dated event is in no window
      count_24h: 2,
      count_7d: 3,
      count_30d: 4,
      events_per_day: 0.13, // 4 events / 30 days
    });
  });

  it("kind_counts: events, distinct pubkeys and category per kind", async () => {
    expect(await rows(db.pool, "SELECT * FROM kind_counts ORDER BY kind")).toEqual([
      { kind: 0, event_count: 3, unique_pubkeys: 1, category: "replaceable" },
      { kind: 1, event_count: 8, unique_pubkeys: 3, category: "regular" },
      { kind: 7, event_count: 1, unique_pubkeys: 1, category: "regular" },
      { kind: 10002, event_count: 1, unique_pubkeys: 1, category: "replaceable" },
      { kind: 20001, event_count: 1, unique_pubkeys: 1, category: "ephemeral" },
      { kind: 30000, event_count: 2, unique_pubkeys: 1, category: "addressable" },
      { kind: 30023, event_count: 4, unique_pubkeys: 1, category: "addressable" },
      { kind: 30024, event_count: 1, unique_pubkeys: 1, category: "addressable" },
      { kind: 30025, event_count: 1, unique_pubkeys: 1, category: "addressable" },
      { kind: 40000, event_count: 1, unique_pubkeys: 1, category: "other" },
    ]);
  });

  it("event_kind_class follows NIP-01 at the range edges", async () => {
    const [row] = await rows<{ c: string[] }>(
      db.pool,
      `SELECT array_agg(event_kind_class(k) ORDER BY k) AS c
         FROM unnest(ARRAY[0,1,2,3,4,44,45,999,1000,9999,10000,19999,20000,29999,30000,39999,40000]) k`,
    );
    expect(row?.c).toEqual(
      "replaceable regular regular replaceable regular regular other other regular regular replaceable replaceable ephemeral ephemeral addressable addressable other".split(
        " ",
      ),
    );
  });

  it("kind_counts_by_relay: one row per (kind, relay) seen", async () => {
    const got = await rows(
      db.pool,
      "SELECT kind, relay_url, event_count, unique_pubkeys FROM kind_counts_by_relay",
    );
    const expected = [
      [1, A, 4, 2],
      [7, A, 1, 1],
      [0, A, 2, 1],
      [20001, A, 1, 1],
      [30023, A, 4, 1],
      [30024, A, 1, 1],
      [30025, A, 1, 1],
      [40000, A, 1, 1],
      [1, B, 3, 2],
      [7, B, 1, 1],
      [0, B, 1, 1],
      [30000, B, 2, 1],
      [1, TOR, 3, 2],
      [10002, TOR, 1, 1],
    ].map(([kind, relay_url, event_count, unique_pubkeys]) => ({
      kind,
      relay_url,
      event_count,
      unique_pubkeys,
    }));
    expect(got).toHaveLength(expected.length);
    expect(got).toEqual(expect.arrayContaining(expected));
  });

  it("pubkey_counts: per hex pubkey, with first and last created_at", async () => {
    expect(await rows(db.pool, "SELECT * FROM pubkey_counts ORDER BY pubkey")).toEqual([
      {
        pubkey: pk(1),
        event_count: 7,
        unique_kinds: 2,
        first_event_at: T0,
        last_event_at: now - 1800,
      },
      {
        pubkey: pk(2),
        event_count: 8,
        unique_kinds: 6,
        first_event_at: T0 + 10,
        last_event_at: now - 7200,
      },
      {
        pubkey: pk(3),
        event_count: 8,
        unique_kinds: 4,
        first_event_at: T0 + 300,
        last_event_at: FAR_FUTURE,
      },
    ]);
  });

  it("pubkey_counts_by_relay: only (pubkey, relay) pairs with at least two events", async () => {
    const got = await rows(db.pool, "SELECT * FROM pubkey_counts_by_relay");
    const expected = [
      {
        pubkey: pk(1),
        relay_url: A,
        event_count: 5,
        unique_kinds: 2,
        first_event_at: T0,
        last_event_at: now - 1800,
      },
      {
        pubkey: pk(1),
        relay_url: B,
        event_count: 3,
        unique_kinds: 2,
        first_event_at: T0,
        last_event_at: now - 3 * DAY,
      },
      {
        pubkey: pk(2),
        relay_url: A,
        event_count: 4,
        unique_kinds: 4,
        first_event_at: T0 + 10,
        last_event_at: now - 7200,
      },
      {
        pubkey: pk(2),
        relay_url: B,
        event_count: 4,
        unique_kinds: 3,
        first_event_at: T0 + 900,
        last_event_at: now - 20 * DAY,
      },
      {
        pubkey: pk(3),
        relay_url: A,
        event_count: 6,
        unique_kinds: 3,
        first_event_at: T0 + 300,
        last_event_at: T0 + 700,
      },
      {
        pubkey: pk(3),
        relay_url: TOR,
        event_count: 2,
        unique_kinds: 1,
        first_event_at: now - 40 * DAY,
        last_event_at: FAR_FUTURE,
      },
    ];
    expect(got).toHaveLength(expected.length);
    expect(got).toEqual(expect.arrayContaining(expected));
  });

  it("event_daily_counts: UTC days, bogus created_at left out", async () => {
    const got = await rows<{ day: string; event_count: number; unique_pubkeys: number }>(
      db.pool,
      "SELECT day::text AS day, event_count, unique_pubkeys FROM event_daily_counts ORDER BY day",
    );
    expect(got.slice(0, 2)).toEqual([
      { day: "2024-01-01", event_count: 16, unique_pubkeys: 3 },
      { day: "2024-01-02", event_count: 1, unique_pubkeys: 1 },
    ]);
    const recent = new Map<string, number>();
    for (const e of events(now).filter((e) => e.n >= 31 && e.n <= 35)) {
      const day = new Date(e.at * 1000).toISOString().slice(0, 10);
      recent.set(day, (recent.get(day) ?? 0) + 1);
    }
    const rest = got.slice(2).map((r) => [r.day, r.event_count]);
    expect(new Map(rest as [string, number][])).toEqual(recent);
  });

  it("network_stats: an event on several relays of one network counts once", async () => {
    expect(await rows(db.pool, "SELECT * FROM network_stats ORDER BY network")).toEqual([
      { network: "clearnet", relay_count: 3, event_count: 20, unique_pubkeys: 3, unique_kinds: 9 },
      { network: "tor", relay_count: 1, event_count: 4, unique_pubkeys: 3, unique_kinds: 2 },
    ]);
    // Summing per relay (the original bug) would count events 1 and 3 twice in clearnet.
    const [sum] = await rows<{ n: number }>(
      db.pool,
      "SELECT sum(event_count)::int AS n FROM relay_stats WHERE network = 'clearnet'",
    );
    expect(sum?.n).toBe(22);
  });
});
