/**
 * The synchronizer against a realistic devnet with one relay per behaviour, cycle after cycle,
 * on real PostgreSQL: what each relay serves is archived (at once, or over cycles where the
 * relay rate-limits or drops the socket, resuming from the cursor), refused with the relay's
 * reason, or inside a recorded gap; forged events are refused; nothing archived is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import { BURST_TIME, FUTURE_TIME } from "../../../src/devnet/realistic/extra-events.js";
import type { RealisticNetwork } from "../../../src/devnet/realistic-network.js";
import { createSynchronizer } from "../../../src/services/synchronizer/service.js";
import { testBrotrConfig } from "../../db/services/validator/devnet.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { relayOf, startOnePerBehaviour } from "../realistic/helpers.js";
import { archivedOn, testSyncConfig } from "./helpers.js";

const NOW = Math.floor(Date.now() / 1000);
/** The synchronizer's `since` (a few events of the dataset are older, on purpose). */
const SINCE = 1_699_990_000;
const brotr = {
  ...testBrotrConfig({ networks: { clearnet: { timeout: 5, max_tasks: 40 } } }),
  profile: "bigbrotr" as const,
};
const config = testSyncConfig({
  since: SINCE,
  limit: 50,
  timeouts: { idle: 3, eose: 5, relay: 30 },
});

/** Served at once, whole, in the first cycle. */
const AT_ONCE = [
  "healthy",
  "auth-writes",
  "auth-kinds",
  "paid-writes",
  "slow-drip",
  "slow-handshake",
  "nip11-redirect-other",
  "nip11-redirect-loop",
  "nip11-huge",
  "nip11-wrong-types",
  "events-shuffled",
  "events-duplicated",
  "events-future",
  "events-oversized",
  "flapping",
];
/** Served whole over several cycles: each fails part-way, the next resumes from the cursor. */
const OVER_CYCLES = [
  "rate-limit-notice",
  "rate-limit-closed",
  "rate-limit-drop",
  "close-after-events",
  "close-mid-frame",
  "close-after-time",
];
/** Refused every cycle, with the relay's reason in the log. */
const REFUSED: Record<string, RegExp> = {
  "auth-reads": /auth-required:/,
  "paid-reads": /restricted:/,
  "http-503": /HTTP 503/,
  "html-page": /HTTP 200/,
  offline: /ECONNREFUSED/,
};

let db: TestDatabase;
let net: RealisticNetwork;
/** Per cycle: the log records of each relay's run. */
const cycleLogs: Record<string, unknown>[][] = [];
/** Per cycle: ids archived as seen on each relay. */
const archived: Map<string, Set<string>>[] = [];

async function cycle(): Promise<void> {
  const t = createTestContext(db.pool, { service: "synchronizer", now: NOW });
  const service = createSynchronizer({ brotr }, config, { verifierThreads: 1 });
  try {
    const outcome = await runOnce(service, t.ctx);
    expect(outcome.ok, String(outcome.error)).toBe(true);
  } finally {
    await service.close?.();
  }
  cycleLogs.push(t.logs);
  const seen = new Map<string, Set<string>>();
  for (const r of net.relays) seen.set(r.behaviour, new Set(await archivedOn(db.pool, r.url)));
  archived.push(seen);
}

const missing = (behaviour: string, at = archived.length - 1) => {
  const got = archived[at]?.get(behaviour) ?? new Set();
  return relayOf(net, behaviour)
    .served(NOW)
    .filter((e) => e.created_at >= SINCE && !got.has(e.id));
};

beforeAll(async () => {
  db = await createTestDatabase();
  net = await startOnePerBehaviour();
  await insertRelays(
    db.pool,
    net.relays.map((r) => ({ url: r.url, network: "clearnet" as const, discoveredAt: 1 })),
  );
  await cycle();
  for (let i = 1; i < 10 && OVER_CYCLES.some((b) => missing(b).length > 0); i++) {
    await cycle();
  }
}, 600_000);

afterAll(async () => {
  await net?.close();
  await db?.drop();
});

describe("synchronizer on a realistic devnet", () => {
  it("archives what a relay serves in one cycle, however it orders or repeats it", () => {
    for (const b of AT_ONCE) expect(missing(b, 0), b).toEqual([]);
    const future = relayOf(net, "events-future").events.filter((e) => e.created_at >= FUTURE_TIME);
    expect(future.length).toBeGreaterThan(0);
    for (const e of future) expect(archived[0]?.get("events-future")?.has(e.id)).toBe(false);
  });

  it("gets the rest of a rate-limiting or socket-dropping relay over the next cycles", () => {
    for (const b of OVER_CYCLES) {
      expect(missing(b, 0).length, `${b} first cycle`).toBeGreaterThan(0);
      expect(missing(b), b).toEqual([]);
      const failed = cycleLogs[0]?.find(
        (l) => l.msg === "relay_sync_failed" && l.relay === relayOf(net, b).url,
      );
      expect(failed, b).toBeDefined();
    }
  });

  it("refuses relays that say no, with their reason, and archives nothing from them", () => {
    for (const [b, reason] of Object.entries(REFUSED)) {
      const url = relayOf(net, b).url;
      for (const logs of cycleLogs) {
        const failed = logs.find((l) => l.msg === "relay_sync_failed" && l.relay === url);
        expect(String(failed?.err), b).toMatch(reason);
      }
      expect(archived.at(-1)?.get(b)?.size, b).toBe(0);
    }
  });

  it("refuses forged events: nothing only an invalid relay served is archived", async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      "SELECT encode(id, 'hex') AS id FROM event",
    );
    const stored = new Set(rows.map((r) => r.id));
    expect(archived.at(-1)?.get("invalid-ids")?.size).toBe(0);
    for (const b of ["invalid-signatures", "invalid-ids"]) {
      const elsewhere = new Set(
        net.relays.filter((r) => r.behaviour !== b).flatMap((r) => r.events.map((e) => e.id)),
      );
      const only = relayOf(net, b).events.filter((e) => !elsewhere.has(e.id));
      expect(only.length, b).toBeGreaterThan(0);
      for (const e of only) expect(stored.has(e.id), b).toBe(false);
    }
  });

  it("records a gap for a second holding more events than the relay's max_limit", async () => {
    const { rows } = await db.pool.query<{ gaps: { since: number; reason: string }[] }>(
      `SELECT state_value -> 'gaps' AS gaps FROM service_state
       WHERE service_name = 'synchronizer' AND state_type = 'cursor' AND state_key = $1`,
      [relayOf(net, "burst-in-one-second").url],
    );
    const gaps = rows[0]?.gaps ?? [];
    expect(gaps.some((g) => g.since === BURST_TIME && g.reason === "second-overflow")).toBe(true);
    // Everything missing is inside that second.
    for (const e of missing("burst-in-one-second")) expect(e.created_at).toBe(BURST_TIME);
  });

  it("never loses what it archived: every relay's archive only grows, cycle after cycle", () => {
    for (let i = 1; i < archived.length; i++) {
      for (const [b, ids] of archived[i - 1] ?? []) {
        const now = archived[i]?.get(b) ?? new Set();
        for (const id of ids) expect(now.has(id), `${b} cycle ${i}`).toBe(true);
      }
    }
  });
});
