import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveEvents } from "../../../../src/core/db/archive.js";
import { recordRelayMetadata } from "../../../../src/core/db/relay-metadata.js";
import { insertCandidates } from "../../../../src/core/db/service-state/candidates.js";
import {
  readLastCycles,
  recordLastCycle,
} from "../../../../src/core/db/service-state/last-cycle.js";
import { getServiceState, upsertServiceState } from "../../../../src/core/db/service-state/rows.js";
import { readOverview } from "../../../../src/core/db/status/overview.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { fakeEvent } from "../helpers.js";

describe("status reads", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("records each service's last cycle once and reads them back by service", async () => {
    await recordLastCycle(db.pool, "validator", { ok: true, durationMs: 10 }, 0, 100);
    await recordLastCycle(
      db.pool,
      "finder",
      { ok: false, durationMs: 5, error: new Error("x".repeat(600)), report: { found: 3 } },
      2,
      200,
    );
    await recordLastCycle(
      db.pool,
      "validator",
      { ok: true, durationMs: 12, report: { n: 1 } },
      0,
      300,
    );
    const cycles = await readLastCycles(db.pool);
    expect(cycles).toEqual([
      {
        service: "finder",
        at: 200,
        ok: false,
        durationMs: 5,
        consecutiveFailures: 2,
        error: "x".repeat(500),
        report: { found: 3 },
      },
      {
        service: "validator",
        at: 300,
        ok: true,
        durationMs: 12,
        consecutiveFailures: 0,
        report: { n: 1 },
      },
    ]);
    const [row] = await getServiceState(db.pool, "validator", "checkpoint");
    expect(row).toMatchObject({ stateKey: "last_cycle", updatedAt: 300 });
  });

  it("counts candidates, relays and monitored relays per network, and the big tables", async () => {
    // A candidate-typed row of another service is not a candidate.
    await upsertServiceState(db.pool, [
      {
        serviceName: "x",
        stateType: "candidate",
        stateKey: "ws://z.onion",
        stateValue: { network: "tor" },
      },
    ]);
    await insertCandidates(
      db.pool,
      [
        { url: "wss://c1.example", network: "clearnet", source: "t" },
        { url: "ws://c2.onion", network: "tor", source: "t" },
      ],
      1,
    );
    const relay = (url: string) => ({ url, network: "clearnet" as const, discoveredAt: 1 });
    await archiveEvents(
      db.pool,
      [
        { event: fakeEvent("a"), relayUrl: "wss://r1.example", network: "clearnet", seenAt: 5 },
        { event: fakeEvent("a"), relayUrl: "wss://r2.example", network: "clearnet", seenAt: 6 },
        { event: fakeEvent("b"), relayUrl: "wss://r2.example", network: "clearnet", seenAt: 6 },
      ],
      { profile: "bigbrotr" },
    );
    await recordRelayMetadata(db.pool, [
      { relay: relay("wss://r1.example"), type: "nip66_rtt", data: { data: {} }, generatedAt: 9 },
      { relay: relay("wss://r1.example"), type: "nip11_info", data: { data: {} }, generatedAt: 9 },
    ]);
    const overview = await readOverview(db.pool);
    expect(overview).toMatchObject({
      profile: "bigbrotr",
      events: 2,
      eventsExact: true,
      eventRelays: 3,
      metadata: 2,
    });
    expect(overview.schemaVersion).toBeGreaterThanOrEqual(5);
    expect(overview.networks).toEqual([
      { network: "clearnet", candidates: 1, relays: 2, monitored: 1 },
      { network: "tor", candidates: 1, relays: 0, monitored: 0 },
      { network: "i2p", candidates: 0, relays: 0, monitored: 0 },
      { network: "loki", candidates: 0, relays: 0, monitored: 0 },
    ]);
  });
});
