import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import type { Profile } from "../../../src/core/db/migrate.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { readSyncStatus } from "../../../src/core/db/service-state/sync-status.js";
import { runOnce } from "../../../src/core/service.js";
import { startCoreRelay } from "../../../src/devnet/core-relay.js";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { connectRelay } from "../../../src/nips/nip01/index.js";
import {
  createSynchronizer,
  type SyncProgress,
} from "../../../src/services/synchronizer/service.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { archivedOn, testSyncConfig } from "./helpers.js";

const NOW = 1_700_200_000;
const brotr = parseConfig(
  brotrConfigSchema,
  { allow_private: true, networks: { clearnet: { timeout: 5, max_tasks: 4 } } },
  "test",
);

function synchronizer(
  profile: Profile,
  processing: Record<string, unknown> = {},
  holder?: string,
  onProgress?: (p: SyncProgress) => void,
) {
  return createSynchronizer({ brotr: { ...brotr, profile } }, testSyncConfig(processing), {
    verifierThreads: 1,
    ...(holder ? { holder } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
}

const ids = (events: readonly NostrEvent[]) => events.map((e) => e.id).sort();

let events: NostrEvent[];
let burst: NostrEvent[];
let forged: NostrEvent[];
const relays: FakeRelay[] = [];
let core: { url: string; close(): Promise<void> };
const coreSet: NostrEvent[] = [];

beforeAll(async () => {
  events = await generateEvents({
    count: 700,
    seed: 21,
    startTime: NOW - 86_400,
    spanSeconds: 80_000,
  });
  // Three pages of 25 in one second, of kinds that each fit a page.
  burst = [];
  for (const kind of [1, 7, 6, 0]) {
    const one = { count: 18, seed: 30 + kind, startTime: NOW - 40_000, spanSeconds: 0, users: 30 };
    burst.push(...(await generateEvents({ ...one, kinds: [kind] })));
  }
  forged = await generateEvents({ count: 50, seed: 99, startTime: NOW - 5000, spanSeconds: 4000 });
  core = await startCoreRelay({ defaultLimit: 40 });
  const client = await connectRelay(core.url, {
    network: "clearnet",
    timeoutMs: 5000,
    allowPrivate: true,
  });
  for (const e of events.slice(0, 300)) await client.publish(e);
  // What the core relay holds: NIP-01 replaceable and addressable events keep only the
  // newest per key, so it is less than what was published. One REQ within its maximum.
  for await (const e of client.req([{ limit: 400 }])) coreSet.push(e);
  await client.close();
}, 120_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await core?.close();
});

async function fake(options: Parameters<typeof startFakeRelay>[0]): Promise<FakeRelay> {
  const r = await startFakeRelay(options);
  relays.push(r);
  return r;
}

describe.each(["bigbrotr", "lilbrotr"] as const)("synchronizer (%s)", (profile) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ profile });
  });
  afterAll(async () => {
    await db.drop();
  });

  it("archives exactly each relay's set: a clamping fake relay and the independent core relay", async () => {
    const clamped = await fake({ events: [...events, ...burst], maxLimit: 25 });
    // Forged copies of events no other relay has (a forged copy of a known id would still be
    // that event: the verifier skips ids it verified before, see utils/verify/pool.ts).
    const bad = await fake({ events: forged, invalidSignatures: true });
    const urls = [clamped.url, bad.url, core.url];
    await insertRelays(
      db.pool,
      urls.map((url) => ({ url, network: "clearnet" as const, discoveredAt: 1 })),
    );
    const t = createTestContext(db.pool, { service: "synchronizer", now: NOW });
    const progress: SyncProgress[] = [];
    const service = synchronizer(profile, {}, undefined, (p) => progress.push(p));
    try {
      const outcome = await runOnce(service, t.ctx);
      expect(outcome.ok, String(outcome.error)).toBe(true);
      // Progress after each relay and batch, relays done counting up to all three; the last
      // report's figures are the cycle's.
      const done = progress.map((p) => p.done);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(progress.filter((p) => p.done === 3).length).toBeGreaterThanOrEqual(1);
      expect(progress.at(-1)).toEqual({
        relays: 3,
        done: 3,
        events: outcome.report?.events,
        stored: outcome.report?.stored,
        invalid: outcome.report?.invalid,
        gaps: outcome.report?.gaps,
        queued: 0,
      });
      expect(progress.length).toBeGreaterThan(3);
      expect(await archivedOn(db.pool, clamped.url)).toEqual(ids([...events, ...burst]));
      expect(coreSet.length).toBeGreaterThan(200);
      expect(await archivedOn(db.pool, core.url)).toEqual(ids(coreSet));
      // Forged signatures are refused and counted, never stored.
      expect(await archivedOn(db.pool, bad.url)).toEqual([]);
      expect(
        await t.metric("brotr_synchronizer_invalid_events_total", { reason: "bad-sig" }),
      ).toBeGreaterThanOrEqual(50);
      const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM event");
      expect(rows[0].n).toBe(new Set(ids([...events, ...burst, ...coreSet])).size);

      // A second cycle finds nothing new and writes nothing; cursors stay where they are.
      const before = await db.pool.query(
        "SELECT state_key, state_value FROM service_state WHERE service_name = 'synchronizer' ORDER BY 1",
      );
      const again = await runOnce(service, t.ctx);
      expect(again.report).toMatchObject({ stored: 0, sightings: 0, failed: 0 });
      const after = await db.pool.query(
        "SELECT state_key, state_value FROM service_state WHERE service_name = 'synchronizer' ORDER BY 1",
      );
      expect(after.rows).toEqual(before.rows);
      expect(after.rows.map((r) => r.state_value.until)).toEqual([NOW, NOW, NOW]);
      // What `bigbrotr status` says of it: three cursors, all caught up.
      expect(await readSyncStatus(db.pool, { now: NOW })).toMatchObject({
        relays: 3,
        caughtUp: 3,
        notStarted: 0,
        oldestUntil: NOW,
      });
    } finally {
      await service.close?.();
    }
  });

  it("resumes from its cursor: only events after it are fetched, late ones within the lookback too", async () => {
    const relay = await fake({ events: events.slice(0, 200), maxLimit: 50 });
    await insertRelays(db.pool, [{ url: relay.url, network: "clearnet", discoveredAt: 1 }]);
    const t = createTestContext(db.pool, { service: "synchronizer", now: NOW });
    const service = synchronizer(profile, { lookback: 3600 });
    try {
      await runOnce(service, t.ctx);
      const newer = await generateEvents({
        count: 30,
        seed: 77,
        startTime: NOW + 100,
        spanSeconds: 500,
      });
      const late = await generateEvents({
        count: 5,
        seed: 78,
        startTime: NOW - 600,
        spanSeconds: 100,
      });
      relay.addEvents([...newer, ...late]);
      t.clock.now = NOW + 1000;
      const reqsBefore = relay.received.filter((m) => Array.isArray(m) && m[0] === "REQ").length;
      await runOnce(service, t.ctx);
      expect(await archivedOn(db.pool, relay.url)).toEqual(
        ids([...events.slice(0, 200), ...newer, ...late]),
      );
      // The second cycle asked only about [cursor − lookback, now]: a handful of requests.
      const reqs = relay.received.filter((m) => Array.isArray(m) && m[0] === "REQ");
      expect(reqs.length - reqsBefore).toBeLessThan(8);
      for (const m of reqs.slice(reqsBefore)) {
        expect((m as [string, string, { since: number }])[2].since).toBeGreaterThanOrEqual(
          NOW - 3600,
        );
      }
    } finally {
      await service.close?.();
    }
  });
});

describe("two synchronizers on one database", () => {
  it("share the relays through leases: each relay synced by one, the union archived", async () => {
    const db = await createTestDatabase({ poolSize: 10 });
    const sets = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        generateEvents({ count: 120, seed: 200 + i, startTime: NOW - 50_000, spanSeconds: 40_000 }),
      ),
    );
    const fleet = await Promise.all(
      sets.map((set) => fake({ events: set, maxLimit: 30, latencyMs: 5 })),
    );
    await insertRelays(
      db.pool,
      fleet.map((r) => ({ url: r.url, network: "clearnet" as const, discoveredAt: 1 })),
    );
    const a = createTestContext(db.pool, { service: "synchronizer", now: NOW });
    const b = createTestContext(db.pool, { service: "synchronizer", now: NOW });
    const one = synchronizer("bigbrotr", {}, "process-a");
    const two = synchronizer("bigbrotr", {}, "process-b");
    try {
      const [ra, rb] = await Promise.all([runOnce(one, a.ctx), runOnce(two, b.ctx)]);
      expect(ra.ok && rb.ok).toBe(true);
      const synced = (t: typeof a) =>
        t.logs.filter((l) => l.msg === "relay_synced").map((l) => l.relay);
      const byA = synced(a);
      const byB = synced(b);
      expect([...byA, ...byB].sort()).toEqual(fleet.map((r) => r.url).sort());
      expect(byA.filter((u) => byB.includes(u))).toEqual([]);
      for (const [i, r] of fleet.entries()) {
        expect(await archivedOn(db.pool, r.url)).toEqual(ids(sets[i] ?? []));
      }
      const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM lease");
      expect(rows[0].n).toBe(0);
    } finally {
      await one.close?.();
      await two.close?.();
      await db.drop();
    }
  });
});

describe("copies of one event from several relays", () => {
  it("are checked once: the other copies wait for that check instead of repeating it", async () => {
    const db = await createTestDatabase();
    const shared = await generateEvents({
      count: 400,
      seed: 321,
      startTime: NOW - 9000,
      spanSeconds: 8000,
    });
    // Same events, same order, same pace: their copies arrive at the same time.
    const twins = await Promise.all([0, 1, 2].map(() => fake({ events: shared, maxLimit: 100 })));
    await insertRelays(
      db.pool,
      twins.map((r) => ({ url: r.url, network: "clearnet" as const, discoveredAt: 1 })),
    );
    const t = createTestContext(db.pool, { service: "synchronizer", now: NOW });
    const service = synchronizer("bigbrotr");
    try {
      expect((await runOnce(service, t.ctx)).ok).toBe(true);
      for (const r of twins) expect(await archivedOn(db.pool, r.url)).toEqual(ids(shared));
      // 1,200 copies of 400 events: at least the 800 second and third copies skip the check.
      expect(await t.metric("brotr_synchronizer_signatures_skipped_total")).toBeGreaterThanOrEqual(
        800,
      );
    } finally {
      await service.close?.();
      await db.drop();
    }
  });
});
