import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { insertEvents } from "../../../src/core/db/events.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { monitorConfigSchema } from "../../../src/services/monitor/config.js";
import { runPeersPhase } from "../../../src/services/monitor/peers/phase.js";
import { makeUser } from "../../support/fake-user.js";
import { recordMonitorRuns } from "../../support/network-history.js";
import { peerAnnouncement, peerDiscovery } from "../../support/peer-monitors.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { history } from "./helpers.js";

const NOW = 1_790_000_000;
let db: TestDatabase;
let relay: FakeRelay;

const brotr = parseConfig(
  brotrConfigSchema,
  { allow_private: true, networks: { clearnet: { timeout: 2, max_tasks: 5 } } },
  "test",
);
const fast = { retries: 0, initial_delay: 0, max_delay: 0, jitter: 0 };
const config = parseConfig(
  monitorConfigSchema,
  {
    processing: {
      checks: Object.fromEntries(
        ["nip11", "rtt", "ssl", "dns", "geo", "net", "http"].map((c) => [c, { retry: fast }]),
      ),
    },
    peers: { max_rechecks: 5 },
  },
  "test",
);

beforeAll(async () => {
  db = await createTestDatabase();
  relay = await startFakeRelay({ acceptWrites: true });
  // Our last check found it down (a blip); three monitors saw it up since.
  await recordMonitorRuns(db.pool, [{ url: relay.url, up: () => false }], {
    end: NOW - 600,
    every: 3600,
    count: 1,
  });
  const peers = await Promise.all(["x", "y", "z"].map((s) => makeUser(`fo-${s}`)));
  await insertEvents(
    db.pool,
    peers.flatMap((p) => [
      peerAnnouncement(p, NOW - 3600),
      peerDiscovery(p, relay.url, NOW - 300, 50),
    ]),
    { profile: "bigbrotr" },
  );
}, 60_000);

afterAll(async () => {
  await relay.close();
  await db.drop();
});

describe("false offline", () => {
  it("we say down, most monitors say up: our monitor re-checks the relay early", async () => {
    const t = createTestContext(db.pool, { service: "monitor", now: NOW });
    const report = await runPeersPhase({ brotr }, config, t.ctx, { geo: null, asn: null });
    expect(report).toMatchObject({ false_offline: 1, rechecked: 1 });
    const rtt = (await history(db.pool, "nip66_rtt")).filter((r) => r.url === relay.url);
    expect(rtt.at(-1)).toMatchObject({ generatedAt: NOW });
    expect(typeof rtt.at(-1)?.doc.data?.rtt_open).toBe("number");
    const { rows } = await db.pool.query(`SELECT rechecked_at FROM peer_consensus`);
    expect(rows).toEqual([{ rechecked_at: NOW }]);
    // The next run sees our fresh verdict agree with the monitors: nothing to re-check.
    const next = await runPeersPhase({ brotr }, config, t.ctx, { geo: null, asn: null });
    expect(next).toMatchObject({ false_offline: 0, rechecked: 0 });
  }, 60_000);
});
