import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { archiveEvents } from "../../../src/core/db/archive.js";
import { recordRelayMetadata } from "../../../src/core/db/relay-metadata.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { readSyncStatus } from "../../../src/core/db/service-state/sync-status.js";
import { runOnce } from "../../../src/core/service.js";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { createSynchronizer } from "../../../src/services/synchronizer/service.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { archivedOn, testSyncConfig } from "./helpers.js";

const NOW = 1_700_300_000;
const brotr = parseConfig(
  brotrConfigSchema,
  { allow_private: true, networks: { clearnet: { timeout: 5, max_tasks: 4 } } },
  "test",
);

function synchronizer(processing: Record<string, unknown> = {}, relayUrl?: string) {
  return createSynchronizer({ brotr }, testSyncConfig(processing), {
    verifierThreads: 1,
    ...(relayUrl ? { relayUrl } : {}),
  });
}

const ids = (events: readonly NostrEvent[]) => events.map((e) => e.id).sort();
/** All but every `every`-th event (the missing ones scattered in time); every = 0: all. */
const held = (events: readonly NostrEvent[], every: number) =>
  every === 0 ? [...events] : events.filter((_, i) => i % every !== 0);
/** What a relay was asked: its messages of one verb. */
const verbs = (relay: FakeRelay, verb: string) =>
  relay.received.filter((m) => Array.isArray(m) && m[0] === verb) as unknown[][];
const cursorOf = async (db: TestDatabase, url: string) =>
  (
    await db.pool.query(
      "SELECT state_value FROM service_state WHERE service_name = 'synchronizer' AND state_key = $1",
      [url],
    )
  ).rows[0]?.state_value;

let events: NostrEvent[];
const relays: FakeRelay[] = [];
const dbs: TestDatabase[] = [];

beforeAll(async () => {
  events = await generateEvents({
    count: 500,
    seed: 77,
    startTime: NOW - 86_400,
    spanSeconds: 80_000,
  });
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
async function database(relay: FakeRelay, mine: readonly NostrEvent[]): Promise<TestDatabase> {
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

async function cycle(db: TestDatabase, processing: Record<string, unknown> = {}, url?: string) {
  const t = createTestContext(db.pool, { service: "synchronizer", now: NOW });
  const service = synchronizer(processing, url);
  try {
    const outcome = await runOnce(service, t.ctx);
    expect(outcome.ok, String(outcome.error)).toBe(true);
    return { report: outcome.report ?? {}, t };
  } finally {
    await service.close?.();
  }
}

describe("synchronizer by NIP-77 against the fake relay", () => {
  it.each([
    ["0 %", 0],
    ["1 %", 100],
    ["50 %", 2],
  ])(
    "%s missing: the archive ends equal to the relay's set, fetched by id only",
    async (_, every) => {
      const relay = await fake({ negentropy: true });
      const mine = held(events, every);
      const db = await database(relay, mine);
      const { report, t } = await cycle(db);
      expect(await archivedOn(db.pool, relay.url)).toEqual(ids(events));
      const missing = events.length - mine.length;
      expect(report).toMatchObject({
        negentropy_relays: 1,
        fallbacks: 0,
        stored: missing,
        fetched_by_id: missing,
        sightings_without_download: 0,
      });
      // No window REQ: every REQ named ids, and together exactly the missing ones.
      const asked = verbs(relay, "REQ").flatMap((m) => (m[2] as { ids?: string[] }).ids ?? ["?"]);
      // (asked again for what a REQ clamped at the relay's 100 left out)
      expect([...new Set(asked)].sort()).toEqual(ids(events.filter((e) => !mine.includes(e))));
      expect(verbs(relay, "NEG-OPEN")).toHaveLength(1);
      const cursor = await cursorOf(db, relay.url);
      expect(cursor).toMatchObject({ until: NOW, relay_lacks: 0 });
      expect(cursor.sync_path).toMatchObject({ path: "negentropy", reason: "probe" });
      expect(
        await t.metric("brotr_synchronizer_negentropy_needed_total", { outcome: "fetched" }),
      ).toBe(missing);
    },
  );

  it("an empty local set: reconciliation fills it when first_fill says so, REQ windows by default", async () => {
    const relay = await fake({ negentropy: true });
    const db = await database(relay, []);
    const { report } = await cycle(db, { negentropy: { first_fill: "negentropy" } });
    expect(await archivedOn(db.pool, relay.url)).toEqual(ids(events));
    expect(report).toMatchObject({ negentropy_relays: 1, fetched_by_id: events.length });

    const other = await fake({ negentropy: true });
    const db2 = await database(other, []);
    const second = await cycle(db2);
    expect(await archivedOn(db2.pool, other.url)).toEqual(ids(events));
    expect(verbs(other, "NEG-OPEN")).toHaveLength(0);
    expect((await cursorOf(db2, other.url)).sync_path).toMatchObject({ reason: "first-fill" });
    expect(second.report).toMatchObject({ negentropy_relays: 0, fetched_by_id: 0 });
  });

  it("events archived from another relay get a sighting, not a download", async () => {
    const relay = await fake({ negentropy: true });
    const db = await database(relay, held(events, 2));
    // The other half was archived as seen elsewhere.
    const elsewhere = "wss://elsewhere.example";
    await insertRelays(db.pool, [{ url: elsewhere, network: "clearnet", discoveredAt: 1 }]);
    const items = events.map((event) => ({
      event,
      relayUrl: elsewhere,
      network: "clearnet" as const,
      seenAt: 1,
    }));
    await archiveEvents(db.pool, items, { profile: "bigbrotr" });
    const { report } = await cycle(db, {}, relay.url);
    expect(await archivedOn(db.pool, relay.url)).toEqual(ids(events));
    expect(verbs(relay, "REQ")).toHaveLength(0);
    expect(report).toMatchObject({
      stored: 0,
      fetched_by_id: 0,
      sightings_without_download: events.length / 2,
    });
  });

  it("ids we have and the relay lacks are counted, in metrics and in the cursor", async () => {
    const relay = await fake({ negentropy: true, events: held(events, 10) });
    const db = await database(relay, events);
    const { report, t } = await cycle(db);
    expect(report).toMatchObject({ relay_lacks: 50, fetched_by_id: 0 });
    expect(await t.metric("brotr_synchronizer_relay_lacks_total")).toBe(50);
    expect(await cursorOf(db, relay.url)).toMatchObject({ relay_lacks: 50 });
    expect(await readSyncStatus(db.pool, { now: NOW })).toMatchObject({
      relayLacks: 50,
      relaysLacking: 1,
    });
  });

  it("NIP-11 listing 77 is the reason when the monitor recorded it", async () => {
    const relay = await fake({ negentropy: true });
    const db = await database(relay, held(events, 3));
    const doc = { data: { supported_nips: [1, 11, 77] }, logs: { success: true } };
    await recordRelayMetadata(db.pool, [
      {
        relay: { url: relay.url, network: "clearnet", discoveredAt: 1 },
        type: "nip11_info",
        data: doc,
        generatedAt: NOW - 60,
      },
    ]);
    await cycle(db);
    expect(await archivedOn(db.pool, relay.url)).toEqual(ids(events));
    expect((await cursorOf(db, relay.url)).sync_path).toMatchObject({
      path: "negentropy",
      reason: "nip11",
    });
  });

  it("messages fit the max_message_length of the relay's NIP-11", async () => {
    // 3,000 events (signatures not needed: nothing is fetched), half of them on the relay.
    const many = await generateEvents({
      count: 3000,
      seed: 78,
      sign: false,
      startTime: NOW - 9000,
      spanSeconds: 8000,
    });
    const relay = await fake({ negentropy: true, events: held(many, 2) });
    const db = await database(relay, many);
    const doc = {
      data: { supported_nips: [77], limitation: { max_message_length: 8600 } },
      logs: { success: true },
    };
    const relayRow = { url: relay.url, network: "clearnet" as const, discoveredAt: 1 };
    await recordRelayMetadata(db.pool, [
      { relay: relayRow, type: "nip11_info", data: doc, generatedAt: NOW - 60 },
    ]);
    const { report } = await cycle(db);
    expect(report).toMatchObject({ relay_lacks: 1500, fetched_by_id: 0 });
    // 4,200 bytes of negentropy a message, hex-encoded: more messages, none over the limit.
    const ours = [...verbs(relay, "NEG-OPEN"), ...verbs(relay, "NEG-MSG")];
    expect(ours.length).toBeGreaterThan(2);
    for (const m of ours) expect(JSON.stringify(m).length).toBeLessThanOrEqual(8600);
  });
});

describe("falling back to REQ windows", () => {
  it.each([
    ["drops mid-reconciliation", { negDropAfter: 1 }, "failed"],
    ["answers NEG-ERR blocked", { negErr: "blocked: not for you" }, "refused"],
    ["answers NEG-ERR closed mid-way", { negErr: "closed: idle", negErrAfter: 1 }, "failed"],
  ])("a relay that %s: the same final set, the reason remembered", async (_, knobs, reason) => {
    // Small frames on both sides: several rounds, so "mid-way" is mid-way.
    const relay = await fake({ negentropy: true, negFrameSizeLimit: 4096, ...knobs });
    const db = await database(relay, held(events, 4));
    const { report } = await cycle(db, { negentropy: { frame_size: 4096 } });
    expect(await archivedOn(db.pool, relay.url)).toEqual(ids(events));
    expect(report).toMatchObject({ fallbacks: 1, failed: 0 });
    const cursor = await cursorOf(db, relay.url);
    expect(cursor.until).toBe(NOW);
    expect(cursor.sync_path).toMatchObject({ path: "req", reason });
    expect(verbs(relay, "NEG-OPEN").length).toBeGreaterThan(0);
    // REQ windows (since/until, no ids) took over.
    expect(verbs(relay, "REQ").some((m) => (m[2] as { ids?: unknown }).ids === undefined)).toBe(
      true,
    );
  });

  it("a relay without NIP-77 is synced by REQ as before, and not probed again until the recheck", async () => {
    const relay = await fake({});
    const db = await database(relay, held(events, 2));
    await cycle(db);
    expect(await archivedOn(db.pool, relay.url)).toEqual(ids(events));
    expect((await cursorOf(db, relay.url)).sync_path).toMatchObject({
      path: "req",
      reason: "unsupported",
    });
    const probes = verbs(relay, "NEG-OPEN").length;
    expect(probes).toBe(1);
    await cycle(db, { lookback: 86_400 });
    expect(verbs(relay, "NEG-OPEN")).toHaveLength(probes);
    await cycle(db, { lookback: 86_400, negentropy: { recheck: 0 } });
    expect(verbs(relay, "NEG-OPEN")).toHaveLength(probes + 1);
  });
});

describe("gaps", () => {
  it("an unsplittable one-second burst recorded as a gap is closed by reconciliation", async () => {
    // 60 events of one author and one kind in one second, a relay returning 25 per request.
    const burst = await generateEvents({
      count: 60,
      seed: 9,
      users: 1,
      kinds: [1],
      startTime: NOW - 5000,
      spanSeconds: 0,
    });
    const all = [...events, ...burst];
    const relay = await fake({ events: all, maxLimit: 25 });
    const db = await database(relay, []);
    await cycle(db);
    const before = await cursorOf(db, relay.url);
    // The second, for the author and kind, and for the whole filter (kinds or authors no page
    // showed could hold more).
    expect(before.gaps.length).toBeGreaterThanOrEqual(1);
    for (const gap of before.gaps)
      expect(gap).toMatchObject({ since: NOW - 5000, until: NOW - 5000 });
    expect((await archivedOn(db.pool, relay.url)).length).toBeLessThan(all.length);

    // The relay learns NIP-77 (and we look again at once).
    relay.options.negentropy = true;
    await cycle(db, { negentropy: { recheck: 0 } });
    expect(await archivedOn(db.pool, relay.url)).toEqual(ids(all));
    const after = await cursorOf(db, relay.url);
    expect(after.gaps).toEqual([]);
    expect(after.sync_path).toMatchObject({ path: "negentropy" });
    expect((await readSyncStatus(db.pool, { now: NOW })).gaps).toBe(0);
  });
});
