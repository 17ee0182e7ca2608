/**
 * `bigbrotr up` gives a service the heap limit its compose service has: the synchronizer
 * (compose: NODE_OPTIONS --max-old-space-size=256) runs in a process of its own started with
 * it, the validator in `up`'s with V8's default; both on the embedded PostgreSQL `up`
 * started. The child, killed, is started again; SIGTERM to `up` stops it and everything.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_COMMANDS } from "../../../src/cli/service-catalog.js";
import { freePort } from "../../support/free-port.js";
import { followJsonLines } from "../../support/service-process.js";

const BIN = resolve("bin/bigbrotr.js");

let root: string;
let configDir: string;
let dataDir: string;
let running: ChildProcess | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-service-process-"));
  await chmod(root, 0o755); // the embedded server may run as the postgres user
  configDir = join(root, "config");
  dataDir = join(root, "data");
  await mkdir(join(configDir, "services"), { recursive: true });
  await writeFile(
    join(configDir, "brotr.yaml"),
    [
      "database:",
      `  embedded: { data_dir: ${dataDir}, port: ${await freePort()} }`,
      "  partitions: 2",
      "networks:",
      "  clearnet: { enabled: true, max_tasks: 4, timeout: 10 }",
      "allow_private: true",
      "metrics: { enabled: false }",
      "log: { format: json }",
      "",
    ].join("\n"),
  );
  await writeFile(join(configDir, "services", "validator.yaml"), "interval: 600\n");
  await writeFile(join(configDir, "services", "synchronizer.yaml"), "interval: 600\n");
}, 60_000);

afterAll(async () => {
  const child = running;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  }
  await rm(root, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("bigbrotr up and the heap limit of each service", () => {
  it("runs the synchronizer in a process of its own with its compose limit, restarted when killed", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, BIGBROTR_CONFIG_DIR: configDir };
    delete env.DATABASE_URL;
    delete env.NOSTR_PRIVATE_KEY;
    const child = spawn(process.execPath, [BIN, "up", "--only", "validator,synchronizer"], {
      env,
      stdio: "pipe",
    });
    running = child;
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const p = followJsonLines(child);
    const started = (service: string) =>
      p.seen("service_started").filter((l) => l.service === service);
    await p.until(() => started("synchronizer").length > 0 && started("validator").length > 0);
    expect(p.exited, stderr).toBeUndefined();
    const heapMb = SERVICE_COMMANDS.find((c) => c.name === "synchronizer")?.heapMb ?? 0;
    expect(heapMb).toBe(256);
    // heap_size_limit is the old space and the young generation's semi-spaces.
    const own = Number(started("synchronizer")[0]?.heapLimitMb);
    expect(own).toBeGreaterThanOrEqual(heapMb);
    expect(own).toBeLessThan(heapMb + 64);
    expect(Number(started("validator")[0]?.heapLimitMb)).toBeGreaterThan(2 * heapMb);
    const [first] = p.seen("service_process_started");
    expect(first).toMatchObject({ service: "synchronizer", heapMb });
    expect(first?.pid).not.toBe(child.pid);

    // A crash: started again after its backoff, and comes back.
    process.kill(Number(first?.pid), "SIGKILL");
    await p.until(() => started("synchronizer").length === 2);
    expect(p.seen("service_process_restarting")).toHaveLength(1);
    const second = p.seen("service_process_started")[1];
    expect(Number(second?.pid)).not.toBe(Number(first?.pid));

    child.kill("SIGTERM");
    await p.until(() => false);
    expect(p.exited, stderr).toBe(0);
    expect(alive(Number(second?.pid))).toBe(false);
    expect(p.seen("service_process_exited").at(-1)).toMatchObject({ code: 0 });
    const msgs = p.lines.map((l) => String(l.msg));
    // One embedded server, started by `up`, stopped by it after the child left.
    expect(msgs.filter((m) => m === "embedded_database_started")).toHaveLength(1);
    expect(msgs.at(-1)).toBe("embedded_database_stopped");
    expect(p.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    const pid = await readFile(join(dataDir, "pg", "postmaster.pid"), "utf8").catch(() => "gone");
    expect(pid).toBe("gone");
  }, 300_000);
});
