import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../../src/core/db/embedded.js";
import {
  type EmbeddedSupervisor,
  superviseEmbedded,
} from "../../../src/core/db/embedded-supervisor.js";
import { freePort } from "../../support/free-port.js";
import { serverAnswer } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";

let dir = "";
let server: EmbeddedPostgres;
let supervisor: EmbeddedSupervisor | undefined;
let blocker: Server | undefined;
let byHand: EmbeddedPostgres | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bigbrotr-supervise-"));
  server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), database: "sv" });
}, 120_000);
afterAll(async () => {
  await supervisor?.stop();
  blocker?.close();
  await server.stop().catch(() => {});
  await byHand?.stop().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

const postmasterPid = async () =>
  Number((await readFile(join(dir, "pg", "postmaster.pid"), "utf8")).split("\n")[0]);

async function until(what: string, test: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("superviseEmbedded", () => {
  it("restarts a postmaster killed with SIGKILL on the same port, logging the outage once", async () => {
    const t = createTestContext({} as pg.Pool, { service: "up" });
    let gaveUp = false;
    supervisor = superviseEmbedded(server, {
      log: t.ctx.log,
      pollMs: 200,
      backoffMs: 200,
      onGiveUp: () => {
        gaveUp = true;
      },
    });
    const before = await postmasterPid();
    expect(server.running()).toBe(true);
    process.kill(before, "SIGKILL");
    await until("the restart", () => t.logs.some((l) => l.msg === "embedded_database_restarted"));
    expect(server.running()).toBe(true);
    expect(await postmasterPid()).not.toBe(before);
    expect(await serverAnswer(server.url)).toBe(42);
    const lines = t.logs.filter((l) => l.msg !== "embedded_database_restart_failed");
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, "embedded_database_down"],
      [30, "embedded_database_restarted"],
    ]);
    expect(gaveUp).toBe(false);
    await supervisor.stop();
    supervisor = undefined;
  });

  it("gives up after the restarts it is allowed have failed, and says so once", async () => {
    const t = createTestContext({} as pg.Pool, { service: "up" });
    let gaveUp = 0;
    supervisor = superviseEmbedded(server, {
      log: t.ctx.log,
      pollMs: 200,
      backoffMs: 100,
      maxRestartFailures: 2,
      onGiveUp: () => {
        gaveUp += 1;
      },
    });
    const pid = await postmasterPid();
    process.kill(pid, "SIGKILL");
    await until("the postmaster's exit", () => !server.running());
    // Somebody else takes the port meanwhile: the server cannot start again.
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(server.port, "127.0.0.1", resolve));
    await until("giving up", () => gaveUp > 0);
    expect(t.logs.map((l) => [l.level, l.msg])).toEqual([
      [40, "embedded_database_down"],
      [40, "embedded_database_restart_failed"],
      [40, "embedded_database_restart_failed"],
      [50, "embedded_database_given_up"],
    ]);
    expect(t.logs[1]?.reason).toMatch(/cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
    await new Promise((r) => setTimeout(r, 600));
    expect(gaveUp).toBe(1);
    expect(server.running()).toBe(false);
  });

  it("counts a server started again by somebody else (pg_ctl by hand) as running", async () => {
    expect(server.running()).toBe(false);
    await new Promise((resolve) => blocker?.close(resolve));
    blocker = undefined;
    byHand = await startEmbeddedPostgres({ dataDir: dir, port: server.port, database: "sv" });
    expect(byHand.owned).toBe(true);
    expect(server.running()).toBe(true);
    expect(await serverAnswer(server.url)).toBe(42);
  });
});
