/**
 * Live ingest against real loopback relays: events pushed by relays are archived within the
 * run, deduplicated across relays and against the windowed cycles (which then write nothing
 * new and skip the signature checks); a dropped subscription resumes without losing events;
 * a flooding relay is throttled and counted; forged signatures and ids are refused and
 * counted.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { readLiveStatus } from "../../../src/core/db/service-state/live-status.js";
import { runOnce } from "../../../src/core/service.js";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { startTcpProxy } from "../../support/tcp-proxy.js";
import { archivedOn } from "./helpers.js";
import {
  addRelays,
  count,
  metricSum,
  recentEvents,
  startLive,
  until,
  untilOpen,
} from "./live-helpers.js";

let db: TestDatabase;
const relays: FakeRelay[] = [];
const ids = (list: readonly NostrEvent[]) => [...new Set(list.map((e) => e.id))].sort();
const EVENTS = "SELECT count(*)::int AS n FROM event";
const SIGHTINGS = "SELECT count(*)::int AS n FROM event_relay";

async function fake(options: Parameters<typeof startFakeRelay>[0] = {}): Promise<FakeRelay> {
  const r = await startFakeRelay(options);
  relays.push(r);
  return r;
}

// A database per test: each live loop subscribes to every relay it finds listed.
beforeEach(async () => {
  db = await createTestDatabase({ poolSize: 6 });
});

afterEach(async () => {
  await db?.drop();
});

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
});

describe("synchronizer live ingest", () => {
  it("archives what relays push, once per event and relay; the backstop cycle adds nothing and skips the checks", async () => {
    const a = await fake();
    const b = await fake();
    await addRelays(db.pool, [a.url, b.url]);
    const live = startLive(db.pool);
    try {
      await untilOpen(live, 2);
      const events = await recentEvents(300, 2101);
      // 0..199 on a, 100..299 on b: 100 copies on both.
      a.addEvents(events.slice(0, 200));
      b.addEvents(events.slice(100));
      await until(
        "400 sightings",
        () => count(db.pool, SIGHTINGS),
        (n) => n >= 400,
      );
      expect(await count(db.pool, EVENTS)).toBe(300);
      expect(await archivedOn(db.pool, a.url)).toEqual(ids(events.slice(0, 200)));
      expect(await archivedOn(db.pool, b.url)).toEqual(ids(events.slice(100)));
      const archived = "brotr_synchronizer_archived_events_total";
      expect(await metricSum(live.t, archived, { path: "live" })).toBe(300);
      // `bigbrotr status` reads what the process reports after each look.
      const [status] = await until(
        "a status with lag",
        () => readLiveStatus(db.pool, 0),
        (s) => s.some((x) => x.lagP95Ms !== null),
      );
      expect(status).toMatchObject({ holder: "test:1:live", open: 2, rejected: 0 });

      // The windowed cycle fetches the same 400 copies: nothing new, no signature checked.
      const t = createTestContext(db.pool, { service: "synchronizer" });
      const outcome = await runOnce(live.service, t.ctx);
      expect(outcome.ok, String(outcome.error)).toBe(true);
      expect(await count(db.pool, EVENTS)).toBe(300);
      expect(await count(db.pool, SIGHTINGS)).toBe(400);
      expect(await metricSum(t, archived, { path: "backfill" })).toBe(0);
      // Every copy it fetched (some twice, at window edges) skipped the signature check.
      const skipped = "brotr_synchronizer_signatures_skipped_total";
      const fetched = "brotr_synchronizer_events_fetched_total";
      expect(await metricSum(t, fetched)).toBe(400);
      expect(await metricSum(t, skipped)).toBeGreaterThanOrEqual(400);
    } finally {
      await live.stop();
    }
  });

  it("a subscription dropped mid-stream resumes from the newest event seen: nothing lost", async () => {
    const relay = await fake();
    const proxy = await startTcpProxy(relay.port);
    const url = `ws://127.0.0.1:${proxy.port}`;
    await addRelays(db.pool, [url]);
    const before = await count(db.pool, EVENTS);
    const live = startLive(db.pool, {}, "test:2:live");
    try {
      await untilOpen(live, 1);
      const events = await recentEvents(200, 2202);
      relay.addEvents(events.slice(0, 100));
      await until(
        "first half",
        () => archivedOn(db.pool, url),
        (l) => l.length === 100,
      );
      await proxy.stop();
      // Published while the subscription is down: the resumed REQ must bring them.
      relay.addEvents(events.slice(100));
      await proxy.start();
      await until(
        "second half",
        () => archivedOn(db.pool, url),
        (l) => l.length === 200,
      );
      expect(await archivedOn(db.pool, url)).toEqual(ids(events));
      expect(await count(db.pool, EVENTS)).toBe(before + 200);
      const reconnects = "brotr_synchronizer_live_reconnects_total";
      expect(await metricSum(live.t, reconnects)).toBeGreaterThanOrEqual(1);
    } finally {
      await live.stop();
      await proxy.stop();
    }
  });

  it("a flooding relay is throttled at its cap and counted; the backstop fetches the rest", async () => {
    const relay = await fake();
    await addRelays(db.pool, [relay.url]);
    const live = startLive(db.pool, { max_events_per_s: 1, burst: 20 }, "test:3:live");
    try {
      await untilOpen(live, 1);
      const events = await recentEvents(500, 2303);
      relay.addEvents(events);
      const received = "brotr_synchronizer_live_events_total";
      const throttled = "brotr_synchronizer_live_throttled_events_total";
      const both = async () =>
        (await metricSum(live.t, received)) + (await metricSum(live.t, throttled));
      await until("500 counted", both, (n) => n === 500);
      // The burst passes, a few more trickle in at 1/s; the rest is dropped, not queued.
      expect(await metricSum(live.t, throttled)).toBeGreaterThan(400);
      expect((await archivedOn(db.pool, relay.url)).length).toBeLessThan(100);
      const t = createTestContext(db.pool, { service: "synchronizer" });
      const outcome = await runOnce(live.service, t.ctx);
      expect(outcome.ok, String(outcome.error)).toBe(true);
      expect(await archivedOn(db.pool, relay.url)).toEqual(ids(events));
    } finally {
      await live.stop();
    }
  });

  it("forged signatures and ids on the live path are refused and counted, never stored", async () => {
    const sig = await fake({ invalidSignatures: true });
    const id = await fake({ corruptIds: true });
    await addRelays(db.pool, [sig.url, id.url]);
    const live = startLive(db.pool, {}, "test:4:live");
    try {
      await untilOpen(live, 2);
      const events = await recentEvents(40, 2404);
      sig.addEvents(events.slice(0, 20));
      id.addEvents(events.slice(20));
      const rejected = "brotr_synchronizer_live_rejected_total";
      await until(
        "bad-sig",
        () => metricSum(live.t, rejected, { reason: "bad-sig" }),
        (n) => n === 20,
      );
      await until(
        "bad-id",
        () => metricSum(live.t, rejected, { reason: "bad-id" }),
        (n) => n === 20,
      );
      expect(await archivedOn(db.pool, sig.url)).toEqual([]);
      expect(await archivedOn(db.pool, id.url)).toEqual([]);
    } finally {
      await live.stop();
    }
  });

  it("refuses and counts events dated past now plus the clock skew; takes the rest", async () => {
    const relay = await fake();
    await addRelays(db.pool, [relay.url]);
    const live = startLive(db.pool, {}, "test:6:live");
    try {
      await untilOpen(live, 1);
      const now = Math.floor(Date.now() / 1000);
      const current = await recentEvents(5, 2406);
      const future = await generateEvents({
        count: 3,
        seed: 2407,
        startTime: now + 3600,
        spanSeconds: 60,
        users: 3,
        kinds: [1],
      });
      relay.addEvents([...future, ...current]);
      await until(
        "the current events",
        () => count(db.pool, EVENTS),
        (n) => n === 5,
      );
      await until(
        "the future ones counted",
        () => metricSum(live.t, "brotr_synchronizer_live_rejected_total", { reason: "future" }),
        (n) => n === 3,
      );
      expect(await archivedOn(db.pool, relay.url)).toEqual(ids(current));
    } finally {
      await live.stop();
    }
  });

  it("answers NIP-42 AUTH where the relay asks before it serves the live REQ", async () => {
    // The challenge comes only with the refusal: the REQ must be sent again after AUTH.
    const relay = await fake({ requireAuth: true, lazyAuthChallenge: true });
    await addRelays(db.pool, [relay.url]);
    const live = startLive(db.pool, {}, "test:5:live", randomBytes(32));
    try {
      await untilOpen(live, 1);
      const events = await recentEvents(30, 2505);
      relay.addEvents(events);
      await until(
        "archived",
        () => archivedOn(db.pool, relay.url),
        (l) => l.length === 30,
      );
    } finally {
      await live.stop();
    }
  });
});
