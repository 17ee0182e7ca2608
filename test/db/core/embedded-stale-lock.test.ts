import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../../src/core/db/embedded.js";
import { freePort } from "../../support/free-port.js";
import { serverAnswer } from "../../support/pg.js";

let dir = "";
let parent: ChildProcess | undefined;
const servers: EmbeddedPostgres[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop().catch(() => {});
  parent?.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The server's account when we are root (the embedded server then runs as postgres). */
function serverAccount(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) =>
    Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout);
  return { uid: id("-u"), gid: id("-g") };
}

/**
 * A zombie process of the server's account (as a killed postmaster is): a child of `sleep`,
 * which never reaps it. Resolves with its pid.
 */
async function zombie(): Promise<number> {
  parent = spawn("sh", ["-c", "sleep 1 & echo $!; exec sleep 120"], {
    ...serverAccount(),
    stdio: ["ignore", "pipe", "ignore"],
  });
  const pid = await new Promise<number>((resolve) =>
    parent?.stdout?.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
  );
  for (;;) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return pid;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("startEmbeddedPostgres over a stale lock file", () => {
  it("starts its own server when the lock file names a zombie (a killed postmaster not yet reaped)", async () => {
    dir = await mkdtemp(join(tmpdir(), "bigbrotr-stale-lock-"));
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir: dir, port, database: "z" });
    const lock = await readFile(join(dir, "pg", "postmaster.pid"), "utf8");
    await first.stop();
    // What a SIGKILLed postmaster leaves while its reaper is late: its lock file, its pid a zombie.
    const pid = await zombie();
    await writeFile(
      join(dir, "pg", "postmaster.pid"),
      [pid, ...lock.split("\n").slice(1)].join("\n"),
    );
    const again = await startEmbeddedPostgres({ dataDir: dir, port, database: "z" });
    servers.push(again);
    expect(again.owned).toBe(true);
    expect(again.running()).toBe(true);
    expect(await serverAnswer(again.url)).toBe(42);
  });
});
