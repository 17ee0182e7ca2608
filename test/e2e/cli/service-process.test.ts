/**
 * `bigbrotr up` gives a service the heap limit its compose service has: the synchronizer
 * (compose: NODE_OPTIONS --max-old-space-size=256) runs in a process of its own started with
 * it, the validator in `up`'s with V8's default; both on the embedded PostgreSQL `up`
 * started. The child, killed, is started again; SIGTERM to `up` stops it and everything.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_COMMANDS } from "../../../src/cli/service-catalog.js";
import { embeddedUpFolder, spawnUp, stopLeftOver } from "../../support/embedded-up.js";
import { freePort } from "../../support/free-port.js";
import { followJsonLines } from "../../support/service-process.js";

let root: string;
let configDir: string;
let dataDir: string;
let running: ChildProcess | undefined;

beforeAll(async () => {
  ({ root, configDir, dataDir } = await embeddedUpFolder("bigbrotr-service-process-"));
  await writeFile(join(configDir, "services", "validator.yaml"), "interval: 600\n");
  await writeFile(join(configDir, "services", "synchronizer.yaml"), "interval: 600\n");
}, 60_000);

afterAll(async () => {
  await stopLeftOver(running);
  if (root) await rm(root, { recursive: true, force: true });
});

/** The process runs (a zombie, exited but not yet reaped by its new parent, does not). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, { encoding: "utf8", flag: "r" });
  return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
};

/** Waits until `test` holds, looking every 50 ms; false after `ms` (a failed test's end). */
async function waitFor(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!test() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return test();
}

describe("bigbrotr up and the heap limit of each service", () => {
  it("runs the synchronizer in a process of its own with its compose limit, restarted when killed", async () => {
    const child = spawnUp(configDir, ["--only", "validator,synchronizer"]);
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

  it("runs it there once with --once, and exits 0 when it is done", async () => {
    const child = spawnUp(configDir, ["--once", "--only", "synchronizer"]);
    running = child;
    const p = followJsonLines(child);
    await p.until(() => false);
    expect(p.exited).toBe(0);
    const [started] = p.seen("service_started");
    expect(started).toMatchObject({ service: "synchronizer", once: true });
    expect(Number(started?.heapLimitMb)).toBeLessThan(256 + 64);
    expect(p.seen("cycle_completed").filter((l) => l.service === "synchronizer")).toHaveLength(1);
    expect(p.seen("service_process_exited")).toMatchObject([{ code: 0 }]);
  }, 300_000);

  it("stops it when up is killed before it could (its channel to up closes)", async () => {
    const child = spawnUp(configDir, ["--only", "synchronizer"]);
    running = child;
    const p = followJsonLines(child);
    await p.until(() => p.seen("service_started").length > 0);
    const pid = Number(p.seen("service_process_started")[0]?.pid);
    expect(alive(pid)).toBe(true);
    child.kill("SIGKILL");
    await p.until(() => false);
    const stopped = await waitFor(() => !alive(pid), 120_000);
    if (!stopped) process.kill(pid, "SIGKILL");
    // `up` could not stop its embedded server: stop it here (fast shutdown).
    const lock = await readFile(join(dataDir, "pg", "postmaster.pid"), "utf8");
    process.kill(Number(lock.split("\n")[0]), "SIGINT");
    expect(stopped).toBe(true);
  }, 300_000);

  it("serves the child's metrics on up's endpoint, each process's own series labelled", async () => {
    const brotrPath = join(configDir, "brotr.yaml");
    const brotr = await readFile(brotrPath, "utf8");
    const upPort = await freePort();
    const ownPort = await freePort();
    await writeFile(
      brotrPath,
      brotr.replace("metrics: { enabled: false }", `metrics: { enabled: true, port: ${upPort} }`),
    );
    // Run alone, the synchronizer would serve this port; under up it serves none.
    await writeFile(
      join(configDir, "services", "synchronizer.yaml"),
      `interval: 600\nmetrics: { enabled: true, port: ${ownPort} }\n`,
    );
    try {
      const child = spawnUp(configDir, ["--only", "validator,synchronizer"]);
      running = child;
      const p = followJsonLines(child);
      const started = (service: string) =>
        p.seen("service_started").some((l) => l.service === service);
      await p.until(() => started("synchronizer") && started("validator"));
      const body = await (await fetch(`http://127.0.0.1:${upPort}/metrics`)).text();
      expect(body).toContain('brotr_service_info{service="validator"} 1');
      expect(body).toContain('brotr_service_info{service="synchronizer"} 1');
      const pid = Number(p.seen("service_process_started")[0]?.pid);
      const rss = (process: string) =>
        new RegExp(`^brotr_process_resident_memory_bytes\\{process="${process}"\\} \\d+`, "m");
      expect(body).toMatch(rss("up"));
      expect(body).toMatch(rss("synchronizer"));
      expect(body).toContain(`brotr_process_start_time_seconds{process="synchronizer"}`);
      // One family per name (Prometheus rejects a second HELP or TYPE line for a name).
      const help = body.split("\n").filter((l) => l.startsWith("# HELP "));
      expect(new Set(help.map((l) => l.split(" ")[2])).size).toBe(help.length);
      await expect(fetch(`http://127.0.0.1:${ownPort}/metrics`)).rejects.toThrow();
      // The child, killed, is left out until its successor answers.
      process.kill(pid, "SIGKILL");
      await p.until(
        () => p.seen("service_started").filter((l) => l.service === "synchronizer").length === 2,
      );
      const after = await (await fetch(`http://127.0.0.1:${upPort}/metrics`)).text();
      expect(after).toContain('brotr_service_info{service="synchronizer"} 1');
      child.kill("SIGTERM");
      await p.until(() => false);
      expect(p.exited).toBe(0);
    } finally {
      await writeFile(brotrPath, brotr);
      await writeFile(join(configDir, "services", "synchronizer.yaml"), "interval: 600\n");
    }
  }, 300_000);
});
