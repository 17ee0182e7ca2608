/**
 * Two `bigbrotr synchronizer --once` processes on one database share the relays through
 * leases: each relay appears in exactly one process's relay_synced lines, the union archived.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

const BIN = resolve("bin/bigbrotr.js");

let root: string;
let db: TestDatabase;
const relays: FakeRelay[] = [];
const sets: NostrEvent[][] = [];

function run(
  servicePath: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BIGBROTR_CONFIG_DIR: root,
    DATABASE_URL: db.url,
  };
  delete env.NOSTR_PRIVATE_KEY;
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, "synchronizer", "--once", "--config", servicePath],
    { env, stdio: "pipe" },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

const ids = (list: readonly NostrEvent[]) => [...new Set(list.map((e) => e.id))].sort();

async function archivedOn(url: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    `SELECT encode(er.event_id, 'hex') AS id FROM event_relay er JOIN relay r ON r.id = er.relay_id
     WHERE r.url = $1 ORDER BY 1`,
    [url],
  );
  return rows.map((r) => r.id);
}

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
    const synced = (out: string) =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === "relay_synced")
        .map((l) => String(l.relay));
    const byA = synced(a.stdout);
    const byB = synced(b.stdout);
    expect([...byA, ...byB].sort()).toEqual(relays.map((r) => r.url).sort());
    expect(byA.filter((u) => byB.includes(u))).toEqual([]);
    for (const [i, r] of relays.entries()) {
      expect(await archivedOn(r.url)).toEqual(ids(sets[i] ?? []));
    }
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM lease");
    expect(rows[0].n).toBe(0);
  });
});
