/**
 * `bigbrotr relay` and `bigbrotr up` with the relay: listens on relay.yaml's address, answers a
 * REQ from the archive, stops on SIGTERM; `up` leaves it out while it is disabled (the default).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logLine, serverConfigDir, startCli } from "../../support/cli-server.js";
import { generateEvents } from "../../support/fake-user.js";
import { freePort } from "../../support/free-port.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { archive, RawClient } from "../../support/relay-archive.js";
import { collectOutput } from "../synchronizer/helpers.js";

let db: TestDatabase;
let root: string;

const configDir = (relayYaml: string) => serverConfigDir(root, { relay: relayYaml });
const start = (args: string[], dir: string) => startCli(args, dir, db.url);

beforeAll(async () => {
  db = await createTestDatabase();
  await archive(db.pool, await generateEvents({ count: 20, seed: 3 }));
  root = await mkdtemp(join(tmpdir(), "bigbrotr-relay-cli-"));
});
afterAll(async () => {
  await db.drop();
  await rm(root, { recursive: true, force: true });
});

describe.each([
  ["bigbrotr relay", ["relay"]],
  ["bigbrotr up --only relay", ["up", "--only", "relay"]],
])("%s", (_name, args) => {
  it("listens where relay.yaml says, answers a REQ, stops on SIGTERM", async () => {
    const port = await freePort();
    const child = start(args, await configDir(`enabled: true\nserver: { port: ${port} }\n`));
    const output = collectOutput(child);
    const listening = await logLine(child, "relay_listening");
    expect(listening).toMatchObject({ url: `ws://127.0.0.1:${port}` });
    const c = await RawClient.open(`ws://127.0.0.1:${port}`);
    expect((await c.req("q", { limit: 5 })).ids).toHaveLength(5);
    c.close();
    child.kill("SIGTERM");
    const result = await output;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('"service_stopped"');
  });
});

describe("bigbrotr up with the relay disabled (the default)", () => {
  it("leaves it out", async () => {
    const result = await collectOutput(
      start(["up", "--only", "relay"], await configDir("server: { port: 0 }\n")),
    );
    expect(result.stdout).toContain('"service_disabled"');
    expect(result.stdout).not.toContain('"relay_listening"');
  });
});

describe("bigbrotr status", () => {
  it("says whether the relay answers, with its connections and subscriptions, and the DVM's jobs", async () => {
    const [port, metrics] = [await freePort(), await freePort()];
    const dir = await configDir(
      `enabled: true\nserver: { port: ${port} }\nmetrics: { enabled: true, port: ${metrics} }\n`,
    );
    const child = start(["relay"], dir);
    const output = collectOutput(child);
    await logLine(child, "relay_listening");
    const c = await RawClient.open(`ws://127.0.0.1:${port}`);
    await c.req("open", { limit: 1 });
    const up = await collectOutput(start(["status", "--json"], dir));
    const report = JSON.parse(up.stdout) as { relay: unknown; dvm: { jobs: { done: number } } };
    expect(report.relay).toMatchObject({ state: "up", connections: 1, subscriptions: 1 });
    expect(report.dvm.jobs.done).toBe(0);
    c.close();
    child.kill("SIGTERM");
    await output;
    const text = await collectOutput(start(["status"], dir));
    expect(text.stdout).toContain(`relay: not answering at ws://127.0.0.1:${port}`);
    expect(text.stdout).toContain("dvm: jobs 0 done, 0 failed");
  });
});
