/**
 * The synchronizer against relays that ask for NIP-42 AUTH or misbehave: dropped connections,
 * slow answers, events that do not match the filter, since/until ignored. Real PostgreSQL,
 * real loopback relays, exact id sets compared.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { readSyncFailures } from "../../../src/core/db/service-state/sync-failure.js";
import { runOnce } from "../../../src/core/service.js";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { synchronizerConfigSchema } from "../../../src/services/synchronizer/config.js";
import { createSynchronizer } from "../../../src/services/synchronizer/service.js";
import { parseSecretKey } from "../../../src/utils/keys.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { archivedOn } from "./helpers.js";

const NOW = 1_700_300_000;
const brotr = parseConfig(
  brotrConfigSchema,
  { allow_private: true, networks: { clearnet: { timeout: 5, max_tasks: 4 } } },
  "test",
);
const KEY = parseSecretKey("7f".repeat(32));
if (!KEY.ok) throw new Error("test key");

const ids = (events: readonly NostrEvent[]) => [...new Set(events.map((e) => e.id))].sort();

let db: TestDatabase;
const relays: FakeRelay[] = [];
let events: NostrEvent[];

async function fake(options: Parameters<typeof startFakeRelay>[0]): Promise<FakeRelay> {
  const r = await startFakeRelay(options);
  relays.push(r);
  await insertRelays(db.pool, [{ url: r.url, network: "clearnet", discoveredAt: 1 }]);
  return r;
}

async function cursorOf(url: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.pool.query(
    `SELECT state_value FROM service_state
     WHERE service_name = 'synchronizer' AND state_type = 'cursor' AND state_key = $1`,
    [url],
  );
  return rows[0]?.state_value;
}

/** One cycle on one relay (the others are left alone: `relayUrl`). */
async function cycle(
  url: string,
  processing: Record<string, unknown> = {},
  key?: Uint8Array,
  verifierThreads = 1,
) {
  const t = createTestContext(db.pool, { service: "synchronizer", now: NOW });
  const config = parseConfig(
    synchronizerConfigSchema,
    {
      processing: {
        require_readable: false,
        end_lag: 0,
        lookback: 0,
        batch_size: 200,
        flush_ms: 50,
        ...processing,
      },
    },
    "test",
  );
  const service = createSynchronizer(
    { brotr: { ...brotr, profile: "bigbrotr" }, ...(key ? { secretKey: key } : {}) },
    config,
    { verifierThreads, relayUrl: url },
  );
  try {
    const outcome = await runOnce(service, t.ctx);
    expect(outcome.ok, String(outcome.error)).toBe(true);
    return { t, report: outcome.report as Record<string, number> };
  } finally {
    await service.close?.();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  // Three days of events: several windows per relay.
  events = await generateEvents({
    count: 600,
    seed: 42,
    startTime: NOW - 3 * 86_400,
    spanSeconds: 3 * 86_400 - 100,
    sameSecondShare: 0,
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await db?.drop();
});

describe("synchronizer: NIP-42", () => {
  it("without a key an auth-required relay fails (counted, logged, nothing stored); with one the full set is archived", async () => {
    const relay = await fake({ events: events.slice(0, 200), maxLimit: 50, requireAuth: true });
    const first = await cycle(relay.url);
    expect(first.report).toMatchObject({ synced: 0, failed: 1, stored: 0 });
    const failed = first.t.logs.filter((l) => l.msg === "relay_sync_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.relay).toBe(relay.url);
    expect(String(failed[0]?.err)).toMatch(/auth/i);
    expect(await first.t.metric("brotr_synchronizer_relays_total", { outcome: "failed" })).toBe(1);
    expect(await archivedOn(db.pool, relay.url)).toEqual([]);
    expect(await cursorOf(relay.url)).toBeUndefined();
    // Why it failed is kept for `bigbrotr status` (apart from the cursor), one run in a row.
    const failures = await readSyncFailures(db.pool, 10);
    expect(failures.total).toBe(1);
    expect(failures.relays[0]).toMatchObject({ url: relay.url, count: 1, at: NOW });
    expect(failures.relays[0]?.reason).toMatch(/auth/i);

    const second = await cycle(relay.url, {}, KEY.ok ? KEY.secretKey : undefined);
    expect(second.report).toMatchObject({ synced: 1, failed: 0 });
    // A run that succeeds clears it.
    expect((await readSyncFailures(db.pool, 10)).total).toBe(0);
    expect(await archivedOn(db.pool, relay.url)).toEqual(ids(events.slice(0, 200)));
    expect((await cursorOf(relay.url))?.until).toBe(NOW);
    expect(relay.received.some((m) => Array.isArray(m) && m[0] === "AUTH")).toBe(true);
  });
});

describe("synchronizer: hostile relays", () => {
  it("a dropped connection keeps what was fetched, never moves the cursor past unfetched data; a later cycle converges", async () => {
    const set = events.slice(0, 400);
    const relay = await fake({ events: set, maxLimit: 40, dropAfter: 250 });
    const first = await cycle(relay.url);
    expect(first.report).toMatchObject({ synced: 0, failed: 1 });
    const stored = await archivedOn(db.pool, relay.url);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThan(set.length);
    // Everything stored is the relay's; everything at or below the cursor is stored.
    const all = new Set(ids(set));
    for (const id of stored) expect(all.has(id)).toBe(true);
    const until = Number((await cursorOf(relay.url))?.until ?? -1);
    const covered = ids(set.filter((e) => e.created_at <= until));
    const have = new Set(stored);
    expect(covered.filter((id) => !have.has(id))).toEqual([]);
    expect(until).toBeLessThan(NOW);

    delete relay.options.dropAfter;
    const second = await cycle(relay.url);
    expect(second.report).toMatchObject({ synced: 1, failed: 0 });
    expect(await archivedOn(db.pool, relay.url)).toEqual(ids(set));
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT er.event_id)::int AS d FROM event_relay er
       JOIN relay r ON r.id = er.relay_id WHERE r.url = $1`,
      [relay.url],
    );
    expect(rows[0]).toEqual({ n: set.length, d: set.length });
    expect((await cursorOf(relay.url))?.until).toBe(NOW);
  });

  it("a slow relay within the timeouts is archived completely", async () => {
    const set = events.slice(100, 400);
    const relay = await fake({ events: set, maxLimit: 60, latencyMs: 50 });
    const started = Date.now();
    const r = await cycle(relay.url);
    expect(Date.now() - started).toBeGreaterThan(50 * 5);
    expect(r.report).toMatchObject({ synced: 1, failed: 0 });
    expect(await archivedOn(db.pool, relay.url)).toEqual(ids(set));
  });

  it("events that do not match the filter are refused and counted, none stored", async () => {
    const set = events.slice(0, 300);
    const relay = await fake({ events: set, maxLimit: 40, mismatchedEvents: true });
    const r = await cycle(relay.url, { filter: { kinds: [1] } });
    expect(r.report).toMatchObject({ synced: 1, failed: 0 });
    const kind1 = set.filter((e) => e.kind === 1);
    expect(kind1.length).toBeGreaterThan(20);
    expect(kind1.length).toBeLessThan(set.length);
    expect(await archivedOn(db.pool, relay.url)).toEqual(ids(kind1));
    expect(r.report.invalid).toBeGreaterThan(0);
    expect(
      await r.t.metric("brotr_synchronizer_invalid_events_total", { reason: "out-of-bounds" }),
    ).toBe(r.report.invalid);
  });

  it("a relay that ignores since/until: a gap recorded with reason ignores-bounds, nothing outside the bounds stored", async () => {
    const relay = await fake({ events, maxLimit: 40, ignoreBounds: true });
    // The range ends a day before the relay's newest events: every answer lies outside it.
    const since = NOW - 4 * 86_400;
    const until = NOW - 86_400;
    const r = await cycle(relay.url, { since, until });
    expect(r.report).toMatchObject({ synced: 1, failed: 0, stored: 0 });
    expect(r.report.gaps).toBeGreaterThan(0);
    expect(r.report.invalid).toBeGreaterThan(0);
    const cursor = await cursorOf(relay.url);
    const gaps = (cursor?.gaps ?? []) as { reason: string; since: number; until: number }[];
    expect(gaps.length).toBe(r.report.gaps);
    expect(gaps.map((g) => g.reason)).toEqual(gaps.map(() => "ignores-bounds"));
    // The gaps cover the range, and nothing was stored from outside it (nor from inside).
    expect(Math.min(...gaps.map((g) => g.since))).toBe(since);
    expect(Math.max(...gaps.map((g) => g.until))).toBe(until);
    expect(await archivedOn(db.pool, relay.url)).toEqual([]);
    expect(cursor?.until).toBe(until);
  });

  it("copies of archived events with forged signatures earn no sighting; honest copies do", async () => {
    const set = events.slice(0, 120);
    const honest = await fake({ events: set, maxLimit: 40 });
    const forger = await fake({ events: set, maxLimit: 40, invalidSignatures: true });
    await cycle(honest.url);
    expect(await archivedOn(db.pool, honest.url)).toEqual(ids(set));
    // Same ids (the content hashes to them), every signature broken: all refused, counted.
    const r = await cycle(forger.url);
    expect(r.report).toMatchObject({ synced: 1, stored: 0 });
    expect(await archivedOn(db.pool, forger.url)).toEqual([]);
    // Every forged copy was received and refused (pages overlap at their oldest second, so
    // a few arrived twice): the walk went through the whole relay, not one page of it.
    expect(r.report.invalid).toBeGreaterThanOrEqual(set.length);
    expect(await r.t.metric("brotr_synchronizer_invalid_events_total", { reason: "bad-sig" })).toBe(
      r.report.invalid,
    );
  });

  // Two verifier threads: the REQ walk's frames are parsed, id-hashed and filter-matched on
  // them and handed to the writer a batch at a time (one thread: all of it on this thread).
  it.each<[string, Record<string, boolean>, Record<string, unknown>]>([
    ["forged signatures", { invalidSignatures: true }, {}],
    ["wrong ids", { corruptIds: true }, {}],
    ["events outside the filter", { mismatchedEvents: true }, { filter: { kinds: [1] } }],
    ["an honest relay", {}, {}],
  ])(
    "on worker threads, %s: refused, counted and stored as on one thread",
    async (_, knobs, processing) => {
      const set = events.slice(300, 420);
      const one = await fake({ events: set, maxLimit: 40, ...knobs });
      const two = await fake({ events: set, maxLimit: 40, ...knobs });
      const a = await cycle(one.url, processing, undefined, 1);
      const b = await cycle(two.url, processing, undefined, 2);
      const reasons = ["bad-id", "bad-sig", "invalid", "out-of-bounds"];
      const byReason = async (r: typeof a) => {
        const metric = "brotr_synchronizer_invalid_events_total";
        return Promise.all(reasons.map((reason) => r.t.metric(metric, { reason })));
      };
      expect(b.report.invalid).toBe(a.report.invalid);
      expect(await byReason(b)).toEqual(await byReason(a));
      expect(await archivedOn(db.pool, two.url)).toEqual(await archivedOn(db.pool, one.url));
      if (Object.keys(knobs).length > 0 && !knobs.mismatchedEvents) {
        expect(a.report.invalid).toBeGreaterThanOrEqual(set.length);
      } else expect(await archivedOn(db.pool, one.url)).not.toEqual([]);
    },
  );
});
