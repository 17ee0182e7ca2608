import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { createSynchronizer } from "../../../src/services/synchronizer/service.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { testSyncConfig } from "./helpers.js";

// Found by the soak (npm run soak): a synchronizer stopped by SIGTERM mid-cycle logged
// relay_sync_failed at warn for every relay it was syncing (193 lines at each restart), and
// counted them as failed, though no relay had failed: the process was shutting down.
const brotr = parseConfig(
  brotrConfigSchema,
  { allow_private: true, networks: { clearnet: { timeout: 30, max_tasks: 8 } } },
  "test",
);

let db: TestDatabase;
const relays: FakeRelay[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // Relays that accept the REQ and answer nothing: every sync is in flight at the abort.
  for (let i = 0; i < 6; i++) relays.push(await startFakeRelay({ silent: true }));
  await insertRelays(
    db.pool,
    relays.map((r) => ({ url: r.url, network: "clearnet" as const, discoveredAt: 1 })),
  );
}, 120_000);
afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await db?.drop();
});

describe("a synchronizer stopped mid-cycle", () => {
  it("logs no relay as failed for the relays the shutdown interrupted", async () => {
    const sync = createSynchronizer(
      { brotr },
      testSyncConfig({ timeouts: { idle: 600, eose: 600, relay: 3600 } }),
      { verifierThreads: 1 },
    );
    const t = createTestContext(db.pool, { service: "synchronizer" });
    const outcome = runOnce(sync, t.ctx);
    // Every relay has its request (not only a connection): each sync is in flight.
    while (relays.some((r) => r.received.length === 0)) await new Promise((r) => setTimeout(r, 50));
    t.abort();
    await outcome;
    await sync.close?.();
    expect(t.logs.filter((l) => l.msg === "relay_sync_failed")).toEqual([]);
    expect(t.logs.filter((l) => l.msg === "relay_sync_interrupted")).toHaveLength(6);
  });
});
