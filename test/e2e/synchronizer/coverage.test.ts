/**
 * Coverage measured at the end of a relay's sync, on real PostgreSQL and loopback relays:
 * an exact NIP-45 count, an hll estimate, a capped count split into clamped windows, a relay
 * that lies (counts fewer than we hold of it), NIP-77 differences, and "unknown" with why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { archiveEvents } from "../../../src/core/db/archive.js";
import { coverageHistory } from "../../../src/core/db/read/relay-coverage.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { HLL_STANDARD_ERROR } from "../../../src/nips/nip45/index.js";
import { createSynchronizer } from "../../../src/services/synchronizer/service.js";
import { startCoreRelay } from "../../support/nostr-relay-core.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { testSyncConfig } from "./helpers.js";

const NOW = 1_700_300_000;
const brotr = parseConfig(
  brotrConfigSchema,
  { allow_private: true, networks: { clearnet: { timeout: 5, max_tasks: 4 } } },
  "test",
);

let events: NostrEvent[];
let late: NostrEvent[];
const relays: FakeRelay[] = [];
const dbs: TestDatabase[] = [];

beforeAll(async () => {
  const all = await generateEvents({
    count: 520,
    users: 300,
    seed: 45,
    startTime: NOW - 86_400,
    spanSeconds: 80_000,
  });
  events = all.slice(0, 500);
  late = all.slice(500);
}, 120_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await Promise.all(dbs.map((d) => d.drop()));
});

async function fake(options: Parameters<typeof startFakeRelay>[0]): Promise<FakeRelay> {
  const r = await startFakeRelay({ events, maxLimit: 100, ...options });
  relays.push(r);
  return r;
}

/** A fresh database knowing `relay`, holding `mine` as seen on it. */
async function database(relay: { url: string }, mine: readonly NostrEvent[] = []) {
  const db = await createTestDatabase();
  dbs.push(db);
  await insertRelays(db.pool, [{ url: relay.url, network: "clearnet", discoveredAt: 1 }]);
  const items = mine.map((event) => ({
    event,
    relayUrl: relay.url,
    network: "clearnet" as const,
    seenAt: 1,
  }));
  await archiveEvents(db.pool, items, { profile: "bigbrotr" });
  return db;
}

let lastContext: ReturnType<typeof createTestContext>;

/** One cycle at `now`; returns the relay's newest coverage measurement. */
async function measured(
  db: TestDatabase,
  relay: { url: string },
  processing: Record<string, unknown> = {},
  now = NOW,
) {
  const t = createTestContext(db.pool, { service: "synchronizer", now });
  lastContext = t;
  const config = testSyncConfig({ coverage: { interval: 0, count_timeout: 2 }, ...processing });
  const service = createSynchronizer({ brotr }, config, { verifierThreads: 1 });
  try {
    const outcome = await runOnce(service, t.ctx);
    expect(outcome.ok, String(outcome.error)).toBe(true);
  } finally {
    await service.close?.();
  }
  const [newest] = await coverageHistory(db.pool, relay.url);
  return newest;
}

const authors = (list: readonly NostrEvent[]) => new Set(list.map((e) => e.pubkey)).size;

describe("coverage by NIP-45 COUNT", () => {
  it("exact: 500 of 500 after the sync; late events the cursor passed show as missing", async () => {
    const relay = await fake({});
    const db = await database(relay);
    const first = await measured(db, relay);
    expect(first).toMatchObject({
      method: "count",
      held: 500,
      relayCount: 500,
      coverage: 1,
      since: 0,
      until: NOW,
      flag: null,
      lowerBound: false,
      approximate: false,
    });
    // 20 events arrive with old timestamps: the relay counts 520, we hold 500.
    relay.addEvents(late);
    const second = await measured(db, relay, {}, NOW + 10);
    expect(second).toMatchObject({
      method: "count",
      held: 500,
      relayCount: 520,
      measuredAt: NOW + 10,
    });
    expect(second?.coverage).toBeCloseTo(500 / 520, 5);
    expect(await coverageHistory(db.pool, relay.url)).toHaveLength(2);
    expect(await lastContext.metric("brotr_archive_coverage_ratio", {})).toBeCloseTo(500 / 520, 5);
    expect(await lastContext.metric("brotr_coverage_relays", { state: "measured" })).toBe(1);
  });

  it("hll: the relay's estimate of distinct authors is within its stated error", async () => {
    const relay = await fake({ count: { hll: true } });
    const db = await database(relay);
    const m = await measured(db, relay);
    const truth = authors(events);
    expect(m?.hll).toMatchObject({ error: HLL_STANDARD_ERROR, authorsHeld: truth });
    expect(Math.abs((m?.hll?.authors ?? 0) - truth)).toBeLessThanOrEqual(
      3 * HLL_STANDARD_ERROR * truth,
    );
  });

  it("a capped count is split into clamped windows; a small budget leaves a lower bound", async () => {
    const relay = await fake({ count: { cap: 100 } });
    const db = await database(relay);
    const m = await measured(db, relay, { coverage: { interval: 0, max_count_requests: 128 } });
    expect(m).toMatchObject({ method: "count", relayCount: 500, held: 500, lowerBound: false });
    expect(m?.reason).toMatch(/caps its counts/);
    const few = await measured(
      db,
      relay,
      { coverage: { interval: 0, max_count_requests: 3 } },
      NOW + 5,
    );
    expect(few).toMatchObject({ lowerBound: true, coverage: null, flag: null });
    expect(few?.reason).toMatch(/at least/);
    expect(few?.relayCount).toBeLessThan(500);
  });

  it("a relay that counts fewer than we hold of it is flagged, with no ratio", async () => {
    const relay = await fake({ count: { scale: 0.5 } });
    const db = await database(relay);
    const m = await measured(db, relay);
    expect(m).toMatchObject({
      method: "count",
      held: 500,
      relayCount: 250,
      flag: "undercount",
      coverage: null,
    });
    expect(m?.reason).toMatch(/counts 250 but we already hold 500/);
  });
});

describe("coverage without a count", () => {
  it("NIP-77: this cycle's differences are recorded", async () => {
    const relay = await fake({ negentropy: true, count: { refuse: "unsupported: no COUNT here" } });
    const mine = events.filter((_, i) => i % 5 !== 0);
    const db = await database(relay, mine);
    const m = await measured(db, relay);
    expect(m).toMatchObject({
      method: "negentropy",
      negentropy: { need: events.length - mine.length, have: 0, unfetched: 0 },
      relayCount: 500,
      held: 500,
      coverage: 1,
    });
    expect(m?.reason).toMatch(/no NIP-45 count: .*unsupported: no COUNT here/);
  });

  it("neither: unknown, with the reason, never a number", async () => {
    const relay = await fake({ count: { refuse: "unsupported: no COUNT here" } });
    const db = await database(relay);
    const m = await measured(db, relay, { negentropy: { enabled: false } });
    expect(m).toMatchObject({ method: "unknown", relayCount: null, coverage: null, held: 500 });
    expect(m?.reason).toMatch(/unsupported: no COUNT here.*no NIP-77 reconciliation this cycle/);
  });
});

describe("coverage of an independent relay implementation", () => {
  it("@nostr-relay/core does not answer COUNT (a NOTICE): unknown at once, with the NOTICE as reason", async () => {
    const core = await startCoreRelay();
    try {
      const db = await database(core);
      const m = await measured(db, core, {
        negentropy: { enabled: false },
        coverage: { interval: 0, count_timeout: 60 },
      });
      expect(m).toMatchObject({ method: "unknown", relayCount: null, coverage: null, held: 0 });
      expect(m?.reason).toMatch(/no NIP-45 count: relay answered with a NOTICE: /);
    } finally {
      await core.close();
    }
  });
});
