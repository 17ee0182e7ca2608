/**
 * `bigbrotr relay` and `bigbrotr up` with the relay: listens on relay.yaml's address, answers a
 * REQ from the archive, stops on SIGTERM; `up` leaves it out while it is disabled (the default).
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateEvents } from "../../support/fake-user.js";
import { freePort } from "../../support/free-port.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { archive, RawClient } from "../../support/relay-archive.js";
import { collectOutput } from "../synchronizer/helpers.js";

const BIN = resolve("bin/bigbrotr.js");
let db: TestDatabase;
let root: string;

async function configDir(relayYaml: string): Promise<string> {
  const dir = await mkdtemp(join(root, "config-"));
  await mkdir(join(dir, "services"));
  await writeFile(join(dir, "brotr.yaml"), "log: { format: json }\nmetrics: { enabled: false }\n");
  await writeFile(join(dir, "services", "relay.yaml"), relayYaml);
  return dir;
}

function start(args: string[], dir: string) {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, BIGBROTR_CONFIG_DIR: dir, DATABASE_URL: db.url },
    stdio: "pipe",
  });
}

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
    let seen = "";
    await new Promise<void>((ready, fail) => {
      child.stdout?.on("data", (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('"relay_listening"')) ready();
      });
      child.on("exit", () => fail(new Error(`exited early: ${seen}`)));
    });
    const listening = seen.split("\n").find((l) => l.includes('"relay_listening"')) as string;
    expect(JSON.parse(listening)).toMatchObject({ url: `ws://127.0.0.1:${port}` });
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
