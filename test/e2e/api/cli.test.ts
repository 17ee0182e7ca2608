import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logLine, serverConfigDir, startCli } from "../../support/cli-server.js";
import { freePort } from "../../support/free-port.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { collectOutput } from "../synchronizer/helpers.js";

let db: TestDatabase;
let root: string;

const configDir = (port: number) =>
  serverConfigDir(root, { api: `server: { host: 127.0.0.1, port: ${port} }\n` });
const start = (args: string[], dir: string) => startCli(args, dir, db.url);

beforeAll(async () => {
  db = await createTestDatabase();
  root = await mkdtemp(join(tmpdir(), "bigbrotr-api-cli-"));
});
afterAll(async () => {
  await db.drop();
  await rm(root, { recursive: true, force: true });
});

describe.each([
  ["bigbrotr api", ["api"]],
  ["bigbrotr up --only api", ["up", "--only", "api"]],
])("%s", (_name, args) => {
  it("listens on the configured address, logs the explorer's URL, answers, stops on SIGTERM", async () => {
    const port = await freePort();
    const child = start(args, await configDir(port));
    const output = collectOutput(child);
    const listening = await logLine(child, "api_listening");
    expect(listening).toMatchObject({
      url: `http://127.0.0.1:${port}/`,
      explorer: `http://127.0.0.1:${port}/`,
    });
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    child.kill("SIGTERM");
    const result = await output;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"service_stopped"');
  });
});

describe("bigbrotr up --once", () => {
  it("skips the API (a server has no cycle) and exits 0", async () => {
    const port = await freePort();
    const result = await collectOutput(
      start(["up", "--once", "--only", "api"], await configDir(port)),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"service_skipped_once"');
    expect(result.stdout).not.toContain('"api_listening"');
  });
});

describe("bigbrotr api on a port in use", () => {
  it("exits 1 with the reason", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((done) =>
      blocker.listen(0, "127.0.0.1", () => done((blocker.address() as { port: number }).port)),
    );
    try {
      const result = await collectOutput(start(["api"], await configDir(port)));
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('"service_failed"');
      expect(result.stdout).toContain("EADDRINUSE");
    } finally {
      blocker.close();
    }
  });
});
