/**
 * The monitor's write probes measure a write and are gone from the archive: a relay the
 * monitor checked holds its probe (and a probe of kind 1, as `write_kind: 1` makes); the
 * synchronizer archives the relay's other events, never the probes, and says how many it
 * left out. Ordinary events that look a little like a probe are archived.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { isWriteProbe, writeProbeEvent } from "../../../src/nips/nip66/rtt-write.js";
import { createSynchronizer } from "../../../src/services/synchronizer/service.js";
import { type FakeUser, makeUser } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { monitor } from "../monitor/helpers.js";
import { archivedOn, testSyncConfig } from "./helpers.js";

const brotr = parseConfig(
  brotrConfigSchema,
  { allow_private: true, networks: { clearnet: { timeout: 5, max_tasks: 4 } } },
  "test",
);

let db: TestDatabase;
let relay: FakeRelay;
let user: FakeUser;
let ordinary: NostrEvent[];

beforeAll(async () => {
  db = await createTestDatabase();
  user = await makeUser("write-probes");
  const now = Math.floor(Date.now() / 1000) - 60;
  ordinary = [
    user.sign({ kind: 1, created_at: now, tags: [], content: "hello" }),
    // Looks like a probe, but is somebody's note with a tag: archived.
    user.sign({
      kind: 1,
      created_at: now + 1,
      tags: [["t", "x"]],
      content: "NIP-66 write probe 0badc0de",
    }),
    user.sign({ kind: 30078, created_at: now + 2, tags: [["d", "my-app"]], content: "settings" }),
  ];
  relay = await startFakeRelay({ acceptWrites: true, events: ordinary });
  await insertRelays(db.pool, [{ url: relay.url, network: "clearnet", discoveredAt: 1 }]);
});

afterAll(async () => {
  await relay?.close();
  await db?.drop();
});

describe("monitor write probes", () => {
  it("are measured by the monitor and left out of the archive by the synchronizer", async () => {
    const m = createTestContext(db.pool, { service: "monitor" });
    const checked = await runOnce(monitor({}, {}, user.secretKey), m.ctx);
    expect(checked.ok).toBe(true);
    const rtt = await db.pool.query(
      `SELECT m.data FROM relay_metadata rm JOIN metadata m ON m.id = rm.metadata_id
       WHERE rm.metadata_type = 'nip66_rtt'`,
    );
    expect(rtt.rows[0]?.data.data.rtt_write).toEqual(expect.any(Number));
    // A probe of kind 1 (write_kind: 1) too, as another monitor's settings would make.
    const kind1 = await writeProbeEvent({ kind: 1, timeoutMs: 1000, secretKey: user.secretKey });
    if (kind1 === null) throw new Error("no probe");
    relay.addEvents([kind1]);
    const probes = relay.events.filter(isWriteProbe);
    expect(probes.map((e) => e.kind).sort()).toEqual([1, 30078]);

    const s = createTestContext(db.pool, { service: "synchronizer" });
    const sync = createSynchronizer({ brotr }, testSyncConfig({ lookback: 3600 }), {
      verifierThreads: 1,
    });
    try {
      const outcome = await runOnce(sync, s.ctx);
      expect(outcome.ok).toBe(true);
      expect(outcome.report).toMatchObject({ write_probes_skipped: 2 });
    } finally {
      await sync.close?.();
    }
    expect(await archivedOn(db.pool, relay.url)).toEqual(ordinary.map((e) => e.id).sort());
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM event");
    expect(rows[0].n).toBe(ordinary.length);
  });
});
