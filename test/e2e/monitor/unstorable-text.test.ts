import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { checkpoints, history, monitor } from "./helpers.js";

// A relay choosing words PostgreSQL cannot store (NUL, a lone surrogate) in its NIP-11
// document and its CLOSED message: one such relay failed the write of its whole chunk, every
// cycle (its checkpoint was never written, so it was due again), until the monitor stopped.
let db: TestDatabase;
let relay: FakeRelay;

beforeAll(async () => {
  db = await createTestDatabase();
  relay = await startFakeRelay({
    closedPrefix: "blocked\u0000",
    nip11: { name: "nul\u0000name", description: "lone \ud800", software: "x" },
  });
  await insertRelays(db.pool, [{ url: relay.url, network: "clearnet", discoveredAt: 1 }]);
}, 60_000);
afterAll(async () => {
  await relay?.close();
  await db?.drop();
});

describe("monitor: text a relay sends that PostgreSQL cannot store", () => {
  it("drops it from NIP-11 fields, replaces it in messages, and stores the checks", async () => {
    const t = createTestContext(db.pool, { service: "monitor", now: 1_700_000_000 });
    const outcome = await runOnce(monitor({ checks: { ssl: { enabled: false } } }), t.ctx);
    expect(outcome.error?.message).toBeUndefined();
    expect(outcome.ok).toBe(true);
    expect([...(await checkpoints(db.pool)).keys()]).toEqual([relay.url]);
    const [nip11] = await history(db.pool, "nip11_info");
    expect(nip11?.doc.data).toEqual({ software: "x" });
    const [rtt] = await history(db.pool, "nip66_rtt");
    expect(rtt?.doc.logs).toMatchObject({
      open_success: true,
      read_success: false,
      read_reason: expect.stringContaining("blocked\ufffd: refused by the fake relay"),
    });
  });
});
