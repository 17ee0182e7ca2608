import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { insertEvents } from "../../../src/core/db/events.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { monitorConfigSchema } from "../../../src/services/monitor/config.js";
import { runPeersPhase } from "../../../src/services/monitor/peers/phase.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { type FakeUser, makeUser } from "../../support/fake-user.js";
import { recordMonitorRuns } from "../../support/network-history.js";
import { peerAnnouncement, peerDiscovery } from "../../support/peer-monitors.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";

const NOW = 1_790_000_000;
const UP = "wss://up.example.com";
/** We find it down; every honest monitor sees it up: a false offline. */
const MISSED = "wss://missed.example.com";
/** Only other monitors know it. */
const FOREIGN = "wss://foreign.example.com";

let db: TestDatabase;
let api: TestApi;
let liar: FakeUser;
const enc = encodeURIComponent;

beforeAll(async () => {
  db = await createTestDatabase();
  await recordMonitorRuns(db.pool, [{ url: UP }, { url: MISSED, up: () => false }], {
    end: NOW - 600,
    every: 3600,
    count: 3,
  });
  const honest = await Promise.all(["a", "b", "c"].map((s) => makeUser(`api-peer-${s}`)));
  liar = await makeUser("api-peer-liar");
  const events: NostrEvent[] = [];
  for (const m of [...honest, liar]) events.push(peerAnnouncement(m, NOW - 3600));
  for (const m of honest) {
    for (const url of [UP, MISSED, FOREIGN]) events.push(peerDiscovery(m, url, NOW - 300, 80));
  }
  events.push(peerDiscovery(liar, FOREIGN, NOW - 300, 9000));
  for (const url of [UP, MISSED]) events.push(peerDiscovery(liar, url, NOW - 30 * 3600, 5));
  await insertEvents(db.pool, events, { profile: "bigbrotr" });
  const brotr = parseConfig(brotrConfigSchema, { allow_private: true }, "brotr.yaml");
  const config = parseConfig(monitorConfigSchema, { peers: { max_rechecks: 0 } }, "test");
  const { ctx } = createTestContext(db.pool as never, { service: "monitor", now: NOW });
  await runPeersPhase({ brotr }, config, ctx);
  api = await startTestApi(db.pool, {}, { now: NOW });
}, 120_000);
afterAll(async () => {
  await api.close();
  await db.drop();
});

describe("other monitors in the API", () => {
  it("GET /v1/monitors lists each monitor with its profile, the liar least reliable", async () => {
    const r = await api.get("/v1/monitors");
    expect(r.status).toBe(200);
    expect(r.body.monitors).toHaveLength(4);
    const last = r.body.monitors.at(-1);
    expect(last).toMatchObject({ pubkey: liar.pubkey, frequency: 3600, geohash: "u0yjj" });
    expect(last.reliability).toBeLessThan(r.body.monitors[0].reliability);
    expect(r.body.monitors[0]).toMatchObject({ relays: 3, our_agreement: 0.5, checks: ["open"] });
    expect(last).toMatchObject({
      relays: 3,
      consensus_agreement: expect.closeTo(1 / 3, 5),
      our_agreement: 0.5,
    });
  });

  it("GET /v1/relays/{url}/monitors shows every verdict, the consensus and ours", async () => {
    const r = await api.get(`/v1/relays/${enc(MISSED)}/monitors`);
    expect(r.status).toBe(200);
    expect(r.body.consensus).toMatchObject({
      state: "up",
      monitors: 4,
      monitors_up: 3,
      median_rtt_open: 80,
      our_state: "down",
      disagreement: "false_offline",
    });
    expect(r.body.verdicts).toHaveLength(4);
    expect(r.body.verdicts[0]).toMatchObject({
      seen_at: NOW - 300,
      rtt: { open: 80, read: null, write: null },
      nips: [1, 77],
      requirements: { auth: false },
      types: ["PublicOutbox"],
      outlier: false,
    });
    const foreign = await api.get(`/v1/relays/${enc(FOREIGN)}/monitors`);
    expect(foreign.body.consensus).toMatchObject({ state: "up", our_state: null });
    const liarVerdict = foreign.body.verdicts.find(
      (v: { pubkey: string }) => v.pubkey === liar.pubkey,
    );
    expect(liarVerdict.outlier).toBe(true);
    const none = await api.get(`/v1/relays/${enc("wss://nobody.example")}/monitors`);
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ url: "wss://nobody.example", consensus: null, verdicts: [] });
  });

  it("GET /v1/relays carries the consensus and filters by it", async () => {
    const up = await api.get("/v1/relays?consensus=up");
    expect(up.body.relays.map((x: { url: string }) => x.url)).toEqual([MISSED, UP].sort());
    const missed = up.body.relays.find((x: { url: string }) => x.url === MISSED);
    expect(missed).toMatchObject({
      status: "down",
      consensus: { state: "up", monitors_up: 3, disagreement: "false_offline" },
    });
    const unknown = await api.get("/v1/relays?consensus=unknown");
    expect(unknown.body.total).toBe(0);
    const bad = await api.get("/v1/relays?consensus=maybe");
    expect(bad.status).toBe(400);
  });

  it("/openapi.json describes the new endpoints", async () => {
    const r = await api.get("/openapi.json");
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining(["/v1/monitors", "/v1/relays/{url}/monitors"]),
    );
    expect(JSON.stringify(r.body.paths["/v1/relays"])).toContain("consensus");
  });
});
