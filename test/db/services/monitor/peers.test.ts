import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../../src/core/config/schemas.js";
import { insertEvents } from "../../../../src/core/db/events.js";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { monitorConfigSchema } from "../../../../src/services/monitor/config.js";
import { runPeersPhase } from "../../../../src/services/monitor/peers/phase.js";
import { createMonitor } from "../../../../src/services/monitor/service.js";
import { type FakeUser, makeUser } from "../../../support/fake-user.js";
import {
  peerAnnouncement as announcement,
  peerDiscovery as discovery,
} from "../../../support/peer-monitors.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { metricValue, testContext } from "../finder/helpers.js";

const NOW = 1_800_000_000;
const HOUR = 3600;
const RELAYS = ["wss://r1.example.com", "wss://r2.example.com", "wss://r3.example.com"];
const DEAD = "wss://dead.example.com";

const brotr = parseConfig(brotrConfigSchema, {}, "brotr.yaml");
const config = (peers: Record<string, unknown> = {}) =>
  parseConfig(monitorConfigSchema, { peers: { max_rechecks: 0, ...peers } }, "monitor.yaml");

/** Honest monitors see RELAYS up now and DEAD up only long ago; the liar says the reverse. */
function network(honest: FakeUser[], liar: FakeUser): NostrEvent[] {
  const events: NostrEvent[] = [];
  for (const m of honest) {
    events.push(announcement(m, NOW - HOUR));
    for (const url of RELAYS) events.push(discovery(m, url, NOW - 600, 100));
    events.push(discovery(m, DEAD, NOW - 30 * HOUR, 100));
  }
  events.push(announcement(liar, NOW - HOUR));
  for (const url of RELAYS) events.push(discovery(liar, url, NOW - 30 * HOUR, 5));
  events.push(discovery(liar, DEAD, NOW - 60, 5));
  return events;
}

describe("monitor peers phase", () => {
  let db: TestDatabase;
  let honest: FakeUser[];
  let liar: FakeUser;
  beforeEach(async () => {
    db = await createTestDatabase();
    honest = await Promise.all(["a", "b", "c", "d"].map((s) => makeUser(`peer-${s}`)));
    liar = await makeUser("peer-liar");
  });
  afterEach(async () => db.drop());

  const archive = (events: NostrEvent[]) => insertEvents(db.pool, events, { profile: "bigbrotr" });

  it("ingests archived verdicts, finds the liar and agrees with the honest majority", async () => {
    await archive(network(honest, liar));
    const { ctx } = testContext(db.pool, () => NOW);
    const report = await runPeersPhase({ brotr }, config(), ctx);
    expect(report).toMatchObject({ peer_events: 25, peer_verdicts: 20, peer_announcements: 5 });
    const { rows: consensus } = await db.pool.query(
      `SELECT relay_url, state, monitors, monitors_up, median_rtt_open,
              array_length(outliers, 1) AS outliers
       FROM peer_consensus ORDER BY relay_url`,
    );
    expect(consensus).toEqual([
      {
        relay_url: DEAD,
        state: "down",
        monitors: 5,
        monitors_up: 1,
        median_rtt_open: 5,
        outliers: 1,
      },
      ...RELAYS.map((relay_url) => ({
        relay_url,
        state: "up",
        monitors: 5,
        monitors_up: 4,
        median_rtt_open: 100,
        outliers: 1,
      })),
    ]);
    const { rows: monitors } = await db.pool.query(
      `SELECT encode(monitor, 'hex') AS pk, reliability, frequency, geohash, checks
       FROM peer_monitor ORDER BY reliability`,
    );
    expect(monitors[0]).toMatchObject({ pk: liar.pubkey, frequency: HOUR, geohash: "u0yjj" });
    expect(monitors[0].reliability).toBeLessThan(0.1);
    for (const m of monitors.slice(1)) expect(m.reliability).toBeGreaterThan(0.9);
    const { rows: claims } = await db.pool.query(
      `SELECT nips, requirements, types, geohash, network FROM peer_verdict LIMIT 1`,
    );
    expect(claims[0]).toEqual({
      nips: [1, 77],
      requirements: { auth: false },
      types: ["PublicOutbox"],
      geohash: "u0yj",
      network: "clearnet",
    });
  });

  it("reads only newly archived events after the first run (a cursor)", async () => {
    await archive(network(honest, liar));
    const { ctx } = testContext(db.pool, () => NOW);
    await runPeersPhase({ brotr }, config(), ctx);
    const again = await runPeersPhase({ brotr }, config(), ctx);
    expect(again.peer_events).toBe(0);
    await archive([discovery(honest[0] as FakeUser, DEAD, NOW - 10, 90)]);
    const later = await runPeersPhase({ brotr }, config(), ctx);
    expect(later).toMatchObject({ peer_events: 1, peer_verdicts: 1 });
  });

  it("bounds what one pubkey can store: newest N per pair, a relay cap, retention", async () => {
    const spammer = honest[0] as FakeUser;
    const events = [0, 1, 2, 3].map((i) => discovery(spammer, RELAYS[0] as string, NOW - i, 1));
    events.push(...RELAYS.slice(1).map((url) => discovery(spammer, url, NOW, 1)));
    events.push(discovery(spammer, "not a url", NOW, 1));
    await archive(events);
    const { ctx, registry } = testContext(db.pool, () => NOW);
    const peers = { keep_per_pair: 2, max_relays_per_monitor: 2 };
    const report = await runPeersPhase({ brotr }, config(peers), ctx);
    expect(report.peer_rejected).toBe(2);
    const { rows } = await db.pool.query(
      `SELECT relay_url, count(*)::int AS n FROM peer_verdict GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { relay_url: RELAYS[0], n: 2 },
      { relay_url: RELAYS[1], n: 1 },
    ]);
    expect(
      await metricValue(registry, "brotr_monitor_peer_rejected_total", { reason: "relay_cap" }),
    ).toBe(1);
    expect(
      await metricValue(registry, "brotr_monitor_peer_rejected_total", { reason: "relay_url" }),
    ).toBe(1);
    const monitor = createMonitor({ brotr }, config({ retention: HOUR }));
    const later = testContext(db.pool, () => NOW + 2 * HOUR).ctx;
    expect(await monitor.cleanup?.(later)).toBeGreaterThanOrEqual(3);
    const { rows: left } = await db.pool.query(`SELECT count(*)::int AS n FROM peer_verdict`);
    expect(left[0].n).toBe(0);
  });

  it("skips our own monitor's events: they are our verdicts, not a peer's", async () => {
    const self = honest[0] as FakeUser;
    await archive([discovery(self, RELAYS[0] as string, NOW, 1)]);
    const { ctx } = testContext(db.pool, () => NOW);
    const report = await runPeersPhase({ brotr, secretKey: self.secretKey }, config(), ctx);
    expect(report).toMatchObject({ peer_events: 1, peer_verdicts: 0, peer_rejected: 0 });
  });
});
