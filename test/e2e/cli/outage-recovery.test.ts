/**
 * A database outage in the middle of a cycle, with a real `bigbrotr monitor` process: found by
 * the soak, where the monitor and the synchronizer spent their failure budget on long outages
 * and exited, and services came back long after PostgreSQL did. The process must wait the
 * outage out (an outage is not the service's failure: `max_consecutive_failures: 1` here),
 * log it once each way, and complete a cycle as soon as the database answers again, not after
 * its interval (an hour here: the test's own time bound is far shorter).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { followJsonLines, startServiceProcess } from "../../support/service-process.js";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy.js";

let root: string;
let db: TestDatabase;
let proxy: TcpProxy;
let relay: FakeRelay;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-outage-recovery-"));
  await mkdir(join(root, "services"), { recursive: true });
  await writeFile(
    join(root, "brotr.yaml"),
    [
      "allow_private: true",
      "networks: { clearnet: { timeout: 3, max_tasks: 4 } }",
      "log: { format: json, level: debug }",
      `database: { embedded: { data_dir: ${join(root, "data")} } }`,
    ].join("\n"),
  );
  const off = "{ enabled: false }";
  await writeFile(
    join(root, "services", "monitor.yaml"),
    [
      "interval: 3600",
      "max_consecutive_failures: 1",
      `processing: { checks: { ssl: ${off}, dns: ${off}, geo: ${off}, net: ${off} } }`,
    ].join("\n"),
  );
  db = await createTestDatabase({ poolSize: 2 });
  // Its NIP-11 never comes: each check lasts the network timeout, the cycle is underway.
  relay = await startFakeRelay({ nip11DelayMs: 600_000 });
  await insertRelays(db.pool, [{ url: relay.url, network: "clearnet", discoveredAt: 1 }]);
  proxy = await startTcpProxy(Number(new URL(db.url).port));
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await relay?.close();
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("a database outage during a cycle", () => {
  it("is waited out without spending the failure budget; a cycle completes once it is back", async () => {
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const path = join(root, "services", "monitor.yaml");
    const child = startServiceProcess("monitor", root, path, url.toString(), ["--forever"]);
    const p = followJsonLines(child);
    try {
      // The relay is leased: the cycle is checking it. The database goes away under it.
      await p.until(async () => (await db.pool.query("SELECT 1 FROM lease")).rowCount === 1);
      await proxy.stop();
      await p.until(() => p.seen("cycle_failed").length > 0);
      // Probes keep finding it away for a while (one every 2 s).
      await new Promise((r) => setTimeout(r, 5000));
      expect(p.exited).toBeUndefined();
      await proxy.start();
      await p.until(() => p.seen("cycle_completed").length > 0);
      expect(p.exited).toBeUndefined();
      expect(p.seen("failure_budget_exhausted")).toEqual([]);
      expect(p.seen("database_unavailable")).toHaveLength(1);
      expect(p.seen("database_available")).toHaveLength(1);
      expect(p.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
      const checked = await db.pool.query("SELECT 1 FROM relay_metadata");
      expect(checked.rowCount).toBeGreaterThan(0);
    } finally {
      child.kill("SIGKILL");
    }
  }, 120_000);
});
