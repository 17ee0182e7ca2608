import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { followJsonLines } from "../../support/service-process.js";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy.js";

// Found by the soak: a service started (or restarted by its supervisor) while PostgreSQL was
// down exited at once with ECONNREFUSED, and again at every restart: 14 exits in 20 minutes,
// a crash loop that systemd's start limit would have ended for good. It must wait instead,
// logging the outage once each way, and start when the database answers.
const BIN = resolve("bin/bigbrotr.js");

let root: string;
let db: TestDatabase;
let proxy: TcpProxy;
let child: ChildProcess | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-start-outage-"));
  await mkdir(join(root, "services"), { recursive: true });
  await writeFile(join(root, "brotr.yaml"), "log: { level: info, format: json }\n");
  await writeFile(join(root, "services", "finder.yaml"), "interval: 60\napi:\n  enabled: false\n");
  db = await createTestDatabase();
  proxy = await startTcpProxy(Number(new URL(db.url).port));
  await proxy.stop(); // the database is down when the service starts
}, 120_000);
afterAll(async () => {
  child?.kill("SIGKILL");
  await proxy?.stop();
  await db?.drop();
  await rm(root, { recursive: true, force: true });
});

describe("a service started while the database is down", () => {
  it("waits for it, logs the outage once each way, then runs its cycle", async () => {
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BIGBROTR_CONFIG_DIR: root,
      DATABASE_URL: url.toString(),
    };
    delete env.NOSTR_PRIVATE_KEY;
    child = spawn(process.execPath, [BIN, "finder", "--log-format", "json"], { env });
    const p = followJsonLines(child);
    await p.until(() => p.seen("database_unavailable").length > 0);
    // Several attempts (one every 2 s) while the database stays down, still one line.
    await new Promise((r) => setTimeout(r, 5000));
    expect(p.exited).toBeUndefined();
    await proxy.start();
    await p.until(() => p.seen("cycle_completed").length > 0);
    expect(p.exited).toBeUndefined();
    expect(p.seen("database_unavailable")).toHaveLength(1);
    expect(p.seen("database_available")).toHaveLength(1);
    expect(p.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  }, 120_000);
});
