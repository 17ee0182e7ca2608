import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import { loadNostrWasm } from "../../../src/devnet/crypto.js";
import { type FakeNetwork, startFakeNetwork } from "../../../src/devnet/fake-network.js";
import {
  type SimulatedMonitors,
  simulateMonitors,
} from "../../../src/devnet/simulated-monitors.js";
import { monitorConfigSchema } from "../../../src/services/monitor/config.js";
import { runPeersPhase } from "../../../src/services/monitor/peers/phase.js";
import { createSynchronizer } from "../../../src/services/synchronizer/service.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { testSyncConfig } from "../synchronizer/helpers.js";

const NOW = Math.floor(Date.now() / 1000);
const brotr = parseConfig(
  brotrConfigSchema,
  { allow_private: true, networks: { clearnet: { timeout: 3, max_tasks: 6 } } },
  "test",
);
let db: TestDatabase;
let net: FakeNetwork;
let simulated: SimulatedMonitors;

beforeAll(async () => {
  db = await createTestDatabase();
  // Six relays, the last two misbehaving: "silent" (opens, never answers) and "refuse" (down).
  net = await startFakeNetwork({ relays: 6, events: 30, overlap: 0, misbehaving: 2, seed: 3 });
  const targets = net.relays.map((r, i) => ({ url: r.url, up: net.behaviours[i] !== "refuse" }));
  simulated = simulateMonitors(await loadNostrWasm(), targets, { count: 7, now: NOW, seed: 3 });
  for (const r of net.relays) r.addEvents(simulated.events);
  await insertRelays(
    db.pool,
    net.relays.map((r) => ({ url: r.url, network: "clearnet" as const, discoveredAt: 1 })),
  );
}, 60_000);

afterAll(async () => {
  await net.close();
  await db.drop();
});

describe("bigbrotr devnet --monitors, end to end", () => {
  it("archives the monitors' events, finds the liar and gets every relay's state right", async () => {
    const t = createTestContext(db.pool, { service: "synchronizer", now: NOW });
    const sync = createSynchronizer({ brotr }, testSyncConfig(), { verifierThreads: 1 });
    expect((await runOnce(sync, t.ctx)).ok).toBe(true);
    const config = parseConfig(monitorConfigSchema, { peers: { max_rechecks: 0 } }, "test");
    const m = createTestContext(db.pool, { service: "monitor", now: NOW });
    const report = await runPeersPhase({ brotr }, config, m.ctx);
    expect(report.peer_verdicts).toBe(7 * 6);
    const { rows } = await db.pool.query<{ pk: string; reliability: number; freshness: number }>(
      `SELECT encode(monitor, 'hex') AS pk, reliability, freshness FROM peer_monitor`,
    );
    const role = (pk: string) => simulated.monitors.find((x) => x.pubkey === pk)?.role;
    const of = (r: string) => rows.filter((x) => role(x.pk) === r);
    expect(of("liar")[0]?.reliability).toBeLessThan(0.1);
    for (const honest of of("honest")) expect(honest.reliability).toBeGreaterThan(0.9);
    expect(of("stale")[0]?.freshness).toBeLessThan(0.1);
    const { rows: consensus } = await db.pool.query<{ relay_url: string; state: string }>(
      `SELECT relay_url, state FROM peer_consensus`,
    );
    const truth = net.relays.map((r, i) => [r.url, net.behaviours[i] === "refuse" ? "down" : "up"]);
    expect(new Map(consensus.map((c) => [c.relay_url, c.state]))).toEqual(
      new Map(truth as [string, string][]),
    );
  }, 120_000);
});
