/**
 * `bigbrotr monitor --once` as real processes on one database: two of them split the relays
 * (each checked exactly once per interval); one killed with SIGKILL mid-run loses only the
 * chunk it was checking, and a restart on the same host takes its leased relays back at once
 * (their holder's pid is gone), without waiting for the leases to expire.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { collectOutput, logLines, startServiceProcess } from "../../support/service-process.js";
import { checkpoints, history } from "./helpers.js";

let root: string;
let db: TestDatabase;
const relays: FakeRelay[] = [];

async function configure(processing: string): Promise<string> {
  const path = join(root, "services", "monitor.yaml");
  const off = "{ enabled: false }";
  await writeFile(
    path,
    `processing: { ${processing}, checks: { ssl: ${off}, dns: ${off}, geo: ${off}, net: ${off} } }\n`,
  );
  return path;
}

const run = (path: string) => startServiceProcess("monitor", root, path, db.url);

async function rttRowsPerRelay(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const r of await history(db.pool, "nip66_rtt"))
    counts.set(r.url, (counts.get(r.url) ?? 0) + 1);
  return counts;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-monitors-"));
  await mkdir(join(root, "services"), { recursive: true });
  await writeFile(
    join(root, "brotr.yaml"),
    [
      "allow_private: true",
      "networks: { clearnet: { timeout: 5, max_tasks: 4 } }",
      "log: { format: json }",
      // The data folder holds the monitor's generated key (the database is external here).
      `database: { embedded: { data_dir: ${join(root, "data")} } }`,
    ].join("\n"),
  );
  db = await createTestDatabase({ poolSize: 4 });
  // Slow answers stretch each chunk to about a second: the processes overlap.
  for (let i = 0; i < 10; i++)
    relays.push(await startFakeRelay({ latencyMs: 250, nip11DelayMs: 250 }));
  await insertRelays(
    db.pool,
    relays.map((r) => ({ url: r.url, network: "clearnet" as const, discoveredAt: 1 })),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("monitor processes", () => {
  it("two processes on one database check each relay exactly once", async () => {
    const path = await configure("chunk_size: 1");
    const [a, b] = await Promise.all([collectOutput(run(path)), collectOutput(run(path))]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const checked = (out: string) =>
      logLines(out, "chunk_monitored").reduce((n, l) => n + Number(l.checked), 0);
    expect(checked(a.stdout) + checked(b.stdout)).toBe(relays.length);
    expect(checked(a.stdout)).toBeGreaterThan(0);
    expect(checked(b.stdout)).toBeGreaterThan(0);
    // Without NOSTR_PRIVATE_KEY each generated or read the key of the data folder: the same
    // one, kept with mode 0600, its npub logged once by whichever created it.
    const keyLines = [a, b].flatMap((o) => [
      ...logLines(o.stdout, "monitor_key_generated"),
      ...logLines(o.stdout, "monitor_key_from_file"),
    ]);
    expect(new Set(keyLines.map((l) => l.pubkey)).size).toBe(1);
    expect(keyLines.filter((l) => l.msg === "monitor_key_generated")).toHaveLength(1);
    expect((await stat(join(root, "data", "monitor.key"))).mode & 0o777).toBe(0o600);
    const rows = await rttRowsPerRelay();
    expect([...rows.keys()].sort()).toEqual(relays.map((r) => r.url).sort());
    expect([...rows.values()].every((n) => n === 1)).toBe(true);
    const { rows: leases } = await db.pool.query("SELECT count(*)::int AS n FROM lease");
    expect(leases[0].n).toBe(0);
  }, 120_000);

  it("SIGKILL mid-run loses only the chunk in flight; a restart takes its leases back at once", async () => {
    await db.pool.query("TRUNCATE relay_metadata, metadata, service_state, lease");
    const path = await configure("chunk_size: 3, lease_ttl: 600");
    const child = run(path);
    const exited = collectOutput(child);
    // Kill once the first chunk is committed and the second is being checked.
    const deadline = Date.now() + 60_000;
    // The first chunk committed (its checkpoints seen) and its leases given back (they go
    // back just after the commit), and leases on other relays: the next chunk is in flight.
    while (Date.now() < deadline) {
      const { rows } = await db.pool.query<{ item: string }>("SELECT item FROM lease");
      const committed = await checkpoints(db.pool);
      if (committed.size >= 3 && rows.length > 0 && rows.every((r) => !committed.has(r.item)))
        break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    expect((await exited).signal).toBe("SIGKILL");
    const done = await checkpoints(db.pool);
    expect(done.size).toBeGreaterThanOrEqual(3);
    expect(done.size).toBeLessThan(relays.length);
    // History exactly for the checkpointed relays: the chunk in flight left nothing.
    const rows = await rttRowsPerRelay();
    expect([...rows.keys()].sort()).toEqual([...done.keys()].sort());
    const leased = (
      await db.pool.query<{ item: string }>("SELECT item FROM lease WHERE service = 'monitor'")
    ).rows.map((r) => r.item);
    expect(leased.length).toBeGreaterThan(0);
    expect(leased.filter((u) => done.has(u))).toEqual([]);

    // The killed process's leases last 600 s; a restart on this host checks its relays at
    // once, with everything else.
    const second = await collectOutput(run(path));
    expect(second.code, second.stderr).toBe(0);
    const final = await rttRowsPerRelay();
    expect([...final.keys()].sort()).toEqual(relays.map((r) => r.url).sort());
    expect([...final.values()].every((n) => n === 1)).toBe(true);
    // The relays checked before the kill were not checked again.
    const last = await checkpoints(db.pool);
    for (const [u, t] of done) expect(last.get(u)).toBe(t);
  }, 120_000);
});
