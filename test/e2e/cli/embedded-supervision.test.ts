import type { ChildProcess } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedUpFolder, spawnUp, stopLeftOver } from "../../support/embedded-up.js";
import { type FakeRelay, startFakeRelay } from "../../support/fake-relay.js";

// `bigbrotr up` on its embedded database (a devnet-like config: one loopback relay, allow_private),
// whose postmaster is killed with SIGKILL while the validator is probing the relay.

let root: string;
let configDir: string;
let dataDir: string;
let relay: FakeRelay;
let dbPort: number;
let running: ChildProcess | undefined;

beforeAll(async () => {
  ({ root, configDir, dataDir, dbPort } = await embeddedUpFolder("bigbrotr-supervise-"));
  // Each frame 3 s late: the validator's cycle is still probing when the database dies.
  relay = await startFakeRelay({ latencyMs: 3000 });
  const seeds = join(root, "seeds.txt");
  await writeFile(seeds, `${relay.url}\n`);
  await writeFile(
    join(configDir, "services", "seeder.yaml"),
    `seed: { file_path: ${seeds}, to_validate: true }\n`,
  );
  await writeFile(join(configDir, "services", "validator.yaml"), "interval: 600\n");
}, 60_000);

afterAll(async () => {
  // A failed test leaves no process: the child stops its database on SIGTERM.
  await stopLeftOver(running);
  await relay?.close();
  await rm(root, { recursive: true, force: true });
});

type Line = Record<string, unknown>;

/** Runs `bigbrotr up` and calls `onLine` with every JSON log line; resolves with its exit. */
function up(onLine: (line: Line, child: ChildProcess) => void) {
  const child = spawnUp(configDir, ["--only", "seeder,validator"]);
  running = child;
  let rest = "";
  const lines: Line[] = [];
  child.stdout?.on("data", (d: Buffer) => {
    const parts = (rest + d.toString()).split("\n");
    rest = parts.pop() ?? "";
    for (const text of parts.filter((p) => p.startsWith("{"))) {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      onLine(line, child);
    }
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise<{ code: number | null; lines: Line[]; stderr: string }>((done) =>
    child.on("close", (code) => done({ code, lines, stderr })),
  );
}

const postmasterPid = async () =>
  Number((await readFile(join(dataDir, "pg", "postmaster.pid"), "utf8")).split("\n")[0]);

describe("bigbrotr up supervising its embedded PostgreSQL", () => {
  it("restarts a postmaster killed with SIGKILL, and the validator then completes a cycle", async () => {
    let killed: number | undefined;
    let restarted = false;
    const result = await up((line, child) => {
      if (line.service === "validator" && line.msg === "cycle_started" && killed === undefined) {
        killed = 0;
        // Mid-probe: the cycle has taken its candidate, the relay has not answered yet.
        setTimeout(async () => {
          killed = await postmasterPid();
          process.kill(killed, "SIGKILL");
        }, 1000);
      }
      if (line.msg === "embedded_database_restarted") restarted = true;
      if (restarted && line.service === "validator" && line.msg === "cycle_completed") {
        child.kill("SIGTERM");
      }
    });
    expect(result.code, result.stderr).toBe(0);
    const msgs = result.lines.map((l) => String(l.msg));
    expect(msgs.filter((m) => m === "embedded_database_down")).toHaveLength(1);
    expect(msgs.filter((m) => m === "embedded_database_restarted")).toHaveLength(1);
    expect(msgs.filter((m) => m.startsWith("embedded_database_restart_failed"))).toEqual([]);
    const after = msgs.slice(msgs.indexOf("embedded_database_restarted"));
    expect(after).toContain("cycle_completed");
    const completed = result.lines.filter(
      (l) => l.service === "validator" && l.msg === "cycle_completed",
    );
    expect(completed.at(-1)).toMatchObject({ promoted: 1 });
    // One line when the database went away and one when it came back, per service.
    expect(msgs.filter((m) => m === "database_unavailable").length).toBeLessThanOrEqual(1);
    expect(result.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    expect(await postmasterPid().catch(() => "gone")).toBe("gone");
    expect(killed).toBeGreaterThan(0);
  });

  it("exits with code 1 when the database cannot be started again, for an outer supervisor", async () => {
    const blocker = createServer();
    let started = Date.now();
    const result = await up((line) => {
      if (line.service === "validator" && line.msg === "service_started") {
        void (async () => {
          const pid = await postmasterPid();
          process.kill(pid, "SIGKILL");
          // Another program takes the port before the first restart (1 s after the check).
          // (The dead postmaster's children may hold its socket a moment longer.)
          for (;;) {
            const error = await new Promise<Error | undefined>((done) => {
              blocker.once("error", done);
              blocker.listen(dbPort, "127.0.0.1", () => done(undefined));
            });
            if (error === undefined) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          started = Date.now();
        })();
      }
    });
    blocker.close();
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).not.toMatch(/error/i);
    const msgs = result.lines.map((l) => String(l.msg));
    expect(msgs.filter((m) => m === "embedded_database_restart_failed")).toHaveLength(5);
    expect(msgs.filter((m) => m === "embedded_database_given_up")).toHaveLength(1);
    expect(msgs).toContain("service_stopped");
    // Waits of 1 + 2 + 4 + 8 + 16 s between the attempts.
    expect(Date.now() - started).toBeGreaterThan(30_000);
  });
});
