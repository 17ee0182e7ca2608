import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { insertRelays } from "../../../../src/core/db/relays.js";
import { checkError, checkOk, checkSkipped } from "../../../../src/nips/check-result.js";
import { recordChanges } from "../../../../src/services/monitor/change-recorder.js";
import type { ChangeThresholds } from "../../../../src/services/monitor/config.js";
import type { RelayResults } from "../../../../src/services/monitor/documents.js";
import { HistoryWriter, type RelayRun } from "../../../../src/services/monitor/history-writer.js";
import { recordProbeResults } from "../../../../src/services/validator/queries.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { createTestContext } from "../../../support/service-context.js";

const T: ChangeThresholds = {
  enabled: true,
  down_after: 2,
  rtt_high_ms: 1000,
  rtt_high_checks: 3,
  cert_expiry_days: 14,
  retention_days: 1,
};
const CHECKS = Object.fromEntries(
  ["nip11", "rtt", "ssl", "dns", "geo", "net", "http"].map((c) => [c, { store: true }]),
) as never;
const skipped = checkSkipped<never>("off");

function results(up: boolean): RelayResults {
  const rtt = up
    ? checkOk(
        {
          openMs: 20,
          read: { status: "ok" as const, ms: 5 },
          write: { status: "skipped" as const, reason: "no key" },
          auth: "none" as const,
          insecure: false,
        },
        1,
      )
    : checkError<never>("connection refused", 3);
  const nip11 = up
    ? checkOk({ name: "r" } as never, 1)
    : checkError<never>("connection refused", 3);
  return { nip11, rtt, ssl: skipped, dns: skipped, geo: skipped, net: skipped, http: skipped };
}

const run = (url: string, at: number, up: boolean): RelayRun => ({
  relay: { url, network: "clearnet", checkedAt: null },
  generatedAt: at,
  results: results(up),
});

describe("change detection in the history transaction", () => {
  let db: TestDatabase;
  const A = "wss://a.example/";
  beforeAll(async () => {
    db = await createTestDatabase({ poolSize: 6 });
  });
  afterAll(() => db.drop());
  beforeEach(async () => {
    await db.pool.query("TRUNCATE relay CASCADE");
    await insertRelays(db.pool, [{ url: A, network: "clearnet", discoveredAt: 1 }]);
  });

  const writer = () =>
    new HistoryWriter(createTestContext(db.pool, { now: 10_000 }).ctx, {
      service: "monitor",
      checks: CHECKS,
      chunkSize: 100,
      changes: T,
      onWritten: () => {},
    });
  async function write(w: HistoryWriter, runs: RelayRun[]) {
    const done = Promise.all(runs.map((r) => w.add(r)));
    await w.flush();
    await done;
    if (w.error !== undefined) throw w.error;
  }
  const changes = async () =>
    (
      await db.pool.query<{ kind: string; checked_at: string; evidence: Record<string, unknown> }>(
        "SELECT kind, checked_at, evidence FROM relay_change ORDER BY id",
      )
    ).rows.map((r) => `${r.kind}@${r.checked_at}`);

  it("stores a down and an up once, with evidence, as the history is written", async () => {
    const w = writer();
    await write(w, [run(A, 100, true), run(A, 200, false)]);
    expect(await changes()).toEqual([]);
    await write(w, [run(A, 300, false), run(A, 400, false)]);
    await write(w, [run(A, 500, true)]);
    expect(await changes()).toEqual(["down@300", "up@500"]);
    const { rows } = await db.pool.query("SELECT evidence FROM relay_change ORDER BY id");
    expect(rows[0].evidence).toMatchObject({ failures: 2, since: 200 });
  });

  it("a batch written again (a restart) or a stale replica's run stores nothing twice", async () => {
    const w = writer();
    const batch = [run(A, 100, true), run(A, 200, false), run(A, 300, false)];
    await write(w, batch);
    await write(writer(), batch);
    await write(writer(), [run(A, 250, false)]); // older than the state: ignored
    expect(await changes()).toEqual(["down@300"]);
  });

  it("two monitors writing the same relay's checks at once store one down", async () => {
    await write(writer(), [run(A, 100, true), run(A, 200, false)]);
    // Each replica's run would be the second failure on its own.
    await Promise.all([
      write(writer(), [run(A, 300, false)]),
      write(writer(), [run(A, 301, false)]),
    ]);
    expect(await changes()).toHaveLength(1);
    expect((await changes())[0]).toMatch(/^down@30[01]$/);
  });

  it("a replica's detection waits for the other's state (locked in the transaction)", async () => {
    await write(writer(), [run(A, 100, true), run(A, 200, false)]);
    const ids = new Map([[A, (await db.pool.query("SELECT id FROM relay")).rows[0].id as number]]);
    const first = await db.pool.connect();
    const second = await db.pool.connect();
    try {
      await first.query("BEGIN");
      await recordChanges(first, [run(A, 300, false)], ids, T, 1);
      await second.query("BEGIN");
      const waiting = recordChanges(second, [run(A, 301, false)], ids, T, 1);
      await first.query("COMMIT");
      await waiting;
      await second.query("COMMIT");
    } finally {
      first.release();
      second.release();
    }
    expect(await changes()).toEqual(["down@300"]);
  });

  it("the validator adds a relay_added once per relay", async () => {
    const B = { url: "wss://b.example/", network: "clearnet" as const, firstSeen: 7 };
    await recordProbeResults(db.pool, [B], [], 50);
    await recordProbeResults(db.pool, [B], [], 60);
    expect(await changes()).toEqual(["relay_added@7"]);
  });
});
