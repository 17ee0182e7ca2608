/**
 * Two `bigbrotr synchronizer --once` processes on one database share the relays through
 * leases: each relay appears in exactly one process's relay_synced lines, the union archived.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { logLines } from "../../support/service-process.js";
import { archivedOn, collectOutput, startSynchronizer } from "./helpers.js";

let root: string;
let db: TestDatabase;
const relays: FakeRelay[] = [];
const sets: NostrEvent[][] = [];

function run(servicePath: string) {
  return collectOutput(startSynchronizer(root, servicePath, db.url));
}

const ids = (list: readonly NostrEvent[]) => [...new Set(list.map((e) => e.id))].sort();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-two-"));
  await mkdir(join(root, "services"), { recursive: true });
  await writeFile(
    join(root, "brotr.yaml"),
    "allow_private: true\nnetworks: { clearnet: { timeout: 10, max_tasks: 2 } }\nlog: { format: json }\n",
  );
  await writeFile(
    join(root, "services", "synchronizer.yaml"),
    "processing: { require_readable: false, end_lag: 0, lookback: 0, batch_size: 200, flush_ms: 50, limit: 100 }\n",
  );
  db = await createTestDatabase({ poolSize: 4 });
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 6; i++) {
    const set = await generateEvents({
      count: 800,
      seed: 600 + i,
      startTime: now - 5 * 86_400,
      spanSeconds: 4 * 86_400,
    });
    sets.push(set);
    relays.push(await startFakeRelay({ events: set, maxLimit: 100, latencyMs: 20 }));
  }
  await insertRelays(
    db.pool,
    relays.map((r) => ({ url: r.url, network: "clearnet" as const, discoveredAt: 1 })),
  );
}, 300_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("two synchronizer processes on one database", () => {
  it("each relay is synced by exactly one of them, the union is archived", async () => {
    const path = join(root, "services", "synchronizer.yaml");
    const [a, b] = await Promise.all([run(path), run(path)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const synced = (out: string) => logLines(out, "relay_synced").map((l) => String(l.relay));
    const byA = synced(a.stdout);
    const byB = synced(b.stdout);
    expect([...byA, ...byB].sort()).toEqual(relays.map((r) => r.url).sort());
    expect(byA.filter((u) => byB.includes(u))).toEqual([]);
    for (const [i, r] of relays.entries()) {
      expect(await archivedOn(db.pool, r.url)).toEqual(ids(sets[i] ?? []));
    }
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM lease");
    expect(rows[0].n).toBe(0);
  });
});
