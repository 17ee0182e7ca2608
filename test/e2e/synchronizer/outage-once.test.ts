/**
 * One database outage, one pair of lines per process. Found by the soak on the merged tree: a
 * `bigbrotr synchronizer` whose cycle and live loop (its relay listing and its event writer)
 * all met a PostgreSQL freeze logged `database_unavailable` and `database_available` twice
 * each, because every one of them kept an outage state of its own. A real process here, its
 * cycle underway (a relay dripping its events) and its live loop subscribed, loses the
 * database, notices it in the cycle and in the live loop, gets it back, and must have said so
 * once each way.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLiveStatus } from "../../../src/core/db/service-state/live-status.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { followJsonLines, startServiceProcess } from "../../support/service-process.js";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy.js";
import { archivedOn } from "./helpers.js";
import { addRelays, count, recentEvents } from "./live-helpers.js";

let root: string;
let db: TestDatabase;
let proxy: TcpProxy;
let relay: FakeRelay;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-outage-once-"));
  await mkdir(join(root, "services"), { recursive: true });
  await writeFile(
    join(root, "brotr.yaml"),
    [
      "allow_private: true",
      "networks: { clearnet: { timeout: 5, max_tasks: 4 } }",
      "log: { format: json, level: debug }",
      `database: { embedded: { data_dir: ${join(root, "data")} } }`,
    ].join("\n"),
  );
  await writeFile(
    join(root, "services", "synchronizer.yaml"),
    [
      "interval: 3600",
      "processing:",
      "  require_readable: false",
      "  end_lag: 0",
      "  lookback: 0",
      "  flush_ms: 50",
      "  timeouts: { idle: 10, eose: 600, relay: 600 }",
      "  live: { refresh: 0.5, lease_ttl: 3, flush_ms: 50, reconnect_min: 0.1, reconnect_max: 1 }",
    ].join("\n"),
  );
  db = await createTestDatabase({ poolSize: 2 });
  // Its stored events leave one every 300 ms: the cycle is underway for minutes.
  relay = await startFakeRelay({ events: await recentEvents(600, 7), dripMs: 300 });
  await addRelays(db.pool, [relay.url]);
  proxy = await startTcpProxy(Number(new URL(db.url).port));
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await relay?.close();
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

const leases = (service: string) =>
  count(db.pool, `SELECT count(*)::int AS n FROM lease WHERE service = '${service}'`);

describe("a database outage met by the cycle and the live loop of one process", () => {
  it("is logged once when it starts and once when it ends", async () => {
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const path = join(root, "services", "synchronizer.yaml");
    const child = startServiceProcess("synchronizer", root, path, url.toString(), ["--forever"]);
    const p = followJsonLines(child);
    try {
      // The cycle syncs the relay while the live loop holds a subscription on it.
      await p.until(async () => (await leases("synchronizer")) === 1);
      await p.until(async () => (await leases("synchronizer-live")) === 1);
      await proxy.stop();
      // Both meet the outage: the cycle's writer, the live loop's listing or status report.
      await p.until(() => p.seen("cycle_failed").length > 0);
      await p.until(() => p.seen("live_update_failed").length > 0);
      expect(p.exited).toBeUndefined();
      relay.options.dripMs = 0;
      await proxy.start();
      const back = Math.ceil(Date.now() / 1000) + 1;
      // Everything works again: a cycle completes, the live loop reports, a new event pushed
      // by the relay is archived by the live writer.
      await p.until(() => p.seen("cycle_completed").length > 0);
      await p.until(async () => (await readLiveStatus(db.pool, back)).length > 0);
      const [fresh] = await recentEvents(1, 8);
      if (fresh === undefined) throw new Error("no event generated");
      relay.addEvents([fresh]);
      await p.until(async () => (await archivedOn(db.pool, relay.url)).includes(fresh.id));
      expect(p.exited).toBeUndefined();
      const told = p.lines.filter((l) => String(l.msg).startsWith("database_"));
      expect(told.map((l) => l.msg)).toEqual(["database_unavailable", "database_available"]);
      expect(told[0]).toMatchObject({ level: 40, service: "synchronizer" });
      expect(p.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
      // Nor is the relay blamed when the archive lookup of its signature check failed.
      expect(p.seen("relay_sync_failed")).toEqual([]);
    } finally {
      child.kill("SIGKILL");
    }
  }, 180_000);
});
