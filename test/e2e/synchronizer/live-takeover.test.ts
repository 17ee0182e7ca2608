/**
 * Replicas: a relay's live subscription is held by one process at a time. A `bigbrotr
 * synchronizer` process (not --once) holds both relays' live leases; a second instance on
 * another host finds them taken and subscribes to nothing. Once the first is SIGKILLed, the
 * second takes its relays when their leases run out and archives what is published next.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLiveStatus } from "../../../src/core/db/service-state/live-status.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { LIVE_LEASES } from "../../../src/services/synchronizer/live/relay-set.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { collectOutput, startServiceProcess } from "../../support/service-process.js";
import { archivedOn } from "./helpers.js";
import { addRelays, recentEvents, startLive, until, untilOpen } from "./live-helpers.js";

let root: string;
let db: TestDatabase;
const relays: FakeRelay[] = [];
const OTHER = "otherhost:4242:b";

async function leaseHolders(): Promise<string[]> {
  const { rows } = await db.pool.query<{ holder: string }>(
    "SELECT holder FROM lease WHERE service = $1 AND expires_at > extract(epoch FROM now()) ORDER BY item",
    [LIVE_LEASES],
  );
  return rows.map((r) => r.holder);
}

/** 20 new events on each relay; waits until each relay has `total` archived. */
async function publishAndWait(seed: number, total: number): Promise<void> {
  const events = await recentEvents(40, seed);
  relays[0]?.addEvents(events.slice(0, 20));
  relays[1]?.addEvents(events.slice(20));
  for (const r of relays) {
    await until(
      r.url,
      () => archivedOn(db.pool, r.url),
      (l) => l.length === total,
    );
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-live-"));
  await mkdir(join(root, "services"), { recursive: true });
  await writeFile(
    join(root, "brotr.yaml"),
    "allow_private: true\nnetworks: { clearnet: { timeout: 5, max_tasks: 2 } }\nlog: { format: json }\n",
  );
  await writeFile(
    join(root, "services", "synchronizer.yaml"),
    [
      "interval: 3600",
      "processing:",
      "  require_readable: false",
      "  end_lag: 0",
      "  lookback: 0",
      "  live: { refresh: 0.5, lease_ttl: 3, flush_ms: 50, reconnect_min: 0.1, reconnect_max: 1 }",
      "",
    ].join("\n"),
  );
  db = await createTestDatabase({ poolSize: 4 });
  for (let i = 0; i < 2; i++) relays.push(await startFakeRelay());
  await addRelays(
    db.pool,
    relays.map((r) => r.url),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("live ingest across processes", () => {
  it("a killed process's live relays are taken over by another one", async () => {
    const servicePath = join(root, "services", "synchronizer.yaml");
    const child = startServiceProcess("synchronizer", root, servicePath, db.url, ["--forever"]);
    const output = collectOutput(child);
    let other: ReturnType<typeof startLive> | undefined;
    try {
      await until("the child's 2 leases", leaseHolders, (h) => h.length === 2);
      other = startLive(db.pool, { lease_ttl: 3 }, OTHER);
      // The other instance has looked (its status is written after each look) and holds none.
      await until(
        "the other's status",
        () => readLiveStatus(db.pool, 0),
        (s) => s.some((x) => x.holder === OTHER),
      );
      await publishAndWait(3101, 20);
      expect((await leaseHolders()).includes(OTHER)).toBe(false);

      child.kill("SIGKILL");
      const killed = await output;
      expect(killed.signal, killed.stderr).toBe("SIGKILL");
      await untilOpen(other, 2);
      expect(await leaseHolders()).toEqual([OTHER, OTHER]);
      await publishAndWait(3202, 40);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await other?.stop();
    }
  });
});
