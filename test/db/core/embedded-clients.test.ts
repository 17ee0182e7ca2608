import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../../src/core/db/embedded.js";
import { freePort } from "../../support/free-port.js";
import { serverAnswer } from "../../support/pg.js";

/**
 * Several bigbrotr processes on one embedded server (`bigbrotr up` and `bigbrotr status`, or
 * two services in two terminals): the last one to leave stops it, none stops it under another.
 */
const dirs: string[] = [];
const servers: EmbeddedPostgres[] = [];
let child: ChildProcess | undefined;
afterAll(async () => {
  child?.kill("SIGKILL");
  for (const server of servers.reverse()) await server.stop().catch(() => {});
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bigbrotr-clients-"));
  dirs.push(dir);
  return dir;
}

const reachable = (url: string) =>
  serverAnswer(url).then(
    () => true,
    () => false,
  );

/** Another process that starts (owns) the server on `dir` and waits; resolves once it is up. */
async function ownerProcess(dir: string, port: number): Promise<ChildProcess> {
  const embedded = resolve("src/core/db/embedded.ts");
  const script = `import { startEmbeddedPostgres } from ${JSON.stringify(embedded)};
    await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dir)}, port: ${port}, database: "c" });
    console.log("ready"); setInterval(() => {}, 1000);`;
  const proc = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  child = proc;
  await new Promise<void>((done, fail) => {
    proc.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && done());
    proc.once("exit", (code) => fail(new Error(`owner process exited (${code})`)));
  });
  return proc;
}

describe("the embedded server shared by several processes", () => {
  it("is left running by its starter while another process uses it, and stopped by the last to leave", async () => {
    const dir = await freshDir();
    const port = await freePort();
    const starter = await startEmbeddedPostgres({ dataDir: dir, port, database: "c" });
    const other = await startEmbeddedPostgres({ dataDir: dir, port, database: "c" });
    servers.push(starter, other);
    expect([starter.owned, other.owned]).toEqual([true, false]);
    expect(await starter.stop()).toEqual({ stopped: false, clients: 1 });
    expect(await reachable(other.url)).toBe(true);
    expect(await other.stop()).toEqual({ stopped: true });
    expect(await reachable(other.url)).toBe(false);
  }, 120_000);

  it("is stopped by the last process to leave after its starter was killed", async () => {
    const dir = await freshDir();
    const port = await freePort();
    const owner = await ownerProcess(dir, port);
    const adopter = await startEmbeddedPostgres({ dataDir: dir, port, database: "c" });
    servers.push(adopter);
    expect(adopter.owned).toBe(false);
    owner.kill("SIGKILL");
    await new Promise((done) => owner.once("exit", done));
    expect(await reachable(adopter.url)).toBe(true);
    expect(await adopter.stop()).toEqual({ stopped: true });
    expect(await reachable(adopter.url)).toBe(false);
  }, 120_000);

  it("is never stopped when no bigbrotr process started it", async () => {
    const dir = await freshDir();
    const port = await freePort();
    const starter = await startEmbeddedPostgres({ dataDir: dir, port, database: "c" });
    servers.push(starter);
    // What a server started by hand (pg_ctl) looks like to us: running, without our marker.
    await rm(join(dir, "clients", "started"));
    const adopter = await startEmbeddedPostgres({ dataDir: dir, port, database: "c" });
    servers.push(adopter);
    expect(await starter.stop()).toEqual({ stopped: false, clients: 1 });
    expect(await adopter.stop()).toEqual({ stopped: false, clients: 0 });
    expect(await reachable(adopter.url)).toBe(true);
    // Clean up: with the marker back, the last process to leave stops it.
    await writeFile(join(dir, "clients", "started"), "");
    const last = await startEmbeddedPostgres({ dataDir: dir, port, database: "c" });
    servers.push(last);
    expect(await last.stop()).toEqual({ stopped: true });
  }, 120_000);
});
