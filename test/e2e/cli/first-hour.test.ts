/**
 * What a new user meets in the first hour (issue 22, items 1 to 5 and 7): `monitor --relay`
 * as a one-off check, configuration and arguments checked up front with exit code 2, a port
 * clash explained, the ports moved by variables, and, as root, the embedded server owning its
 * own folder only.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { type FakeRelay, startFakeRelay } from "../../support/fake-relay.js";
import { freePort } from "../../support/free-port.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { collectOutput } from "../../support/service-process.js";

const BIN = resolve("bin/bigbrotr.js");

function cli(args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
  const full: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete full[k];
  delete full.NOSTR_PRIVATE_KEY;
  return collectOutput(spawn(process.execPath, [BIN, ...args], { env: full, stdio: "pipe", cwd }));
}

let root: string;
let configDir: string;
let dataDir: string;
let db: TestDatabase;
let relay: FakeRelay;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-first-hour-"));
  await chmod(root, 0o755);
  configDir = join(root, "config");
  dataDir = join(root, "data");
  await mkdir(join(configDir, "services"), { recursive: true });
  await writeFile(
    join(configDir, "brotr.yaml"),
    `database: { embedded: { data_dir: ${dataDir} } }\nallow_private: true\nnetworks: { clearnet: { timeout: 3 } }\nlog: { format: json }\n`,
  );
  await writeFile(
    join(configDir, "services", "monitor.yaml"),
    "processing:\n  checks: { dns: { enabled: false }, geo: { enabled: false }, net: { enabled: false } }\n",
  );
  db = await createTestDatabase();
  relay = await startFakeRelay({ acceptWrites: true });
  env = { BIGBROTR_CONFIG_DIR: configDir, DATABASE_URL: db.url };
});

afterAll(async () => {
  await relay?.close();
  await db?.drop();
  await rm(root, { recursive: true, force: true });
});

describe("bigbrotr monitor --relay URL", () => {
  it("checks a relay that is not in the archive, prints every check, stores nothing, exits 0", async () => {
    const text = await cli(["monitor", "--relay", relay.url], env);
    expect(text.code, text.stderr).toBe(0);
    const url = `ws://127.0.0.1:${relay.port}`;
    expect(text.stdout).toMatch(new RegExp(`^${url} \\(clearnet\\): up \\(open \\d+ ms\\)\\n`));
    for (const check of ["nip11", "rtt", "ssl", "dns", "geo", "net", "http"]) {
      expect(text.stdout).toMatch(new RegExp(`^${check} +(ok|failed|skipped) `, "m"));
    }
    expect(text.stdout).toMatch(/^rtt +ok +\d+ ms +open \d+ ms; read \d+ ms; write \d+ ms/m);
    expect(text.stdout).toMatch(/^dns +skipped +disabled/m);
    expect(text.stdout).toContain("not stored: the URL is not a relay of the archive");
    const json = await cli(["monitor", "--relay", relay.url, "--json"], env);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ url, network: "clearnet", stored: false });
    expect(report.results.rtt).toMatchObject({ status: "ok", data: { write: { status: "ok" } } });
    expect(report.results.nip11.status).toBe("ok");
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM relay_metadata");
    expect(rows[0].n).toBe(0);
  });

  it("stores the results of a relay of the archive as its newest check", async () => {
    const url = `ws://127.0.0.1:${relay.port}`;
    await insertRelays(db.pool, [{ url, network: "clearnet", discoveredAt: 1 }]);
    const result = await cli(["monitor", "--relay", relay.url], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("stored as this relay's newest check");
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM relay_metadata");
    expect(rows[0].n).toBeGreaterThan(0);
  });

  it("reports a relay that is down as down, still exit 0", async () => {
    const port = await freePort();
    const result = await cli(["monitor", "--relay", `ws://127.0.0.1:${port}`], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\(clearnet\): down: /);
    expect(result.stdout).toMatch(/^rtt +failed/m);
  });

  it("refuses a bad URL once, as a usage error, before the monitor key is made", async () => {
    const fresh = join(root, "fresh");
    await mkdir(fresh);
    await writeFile(
      join(fresh, "brotr.yaml"),
      `database: { embedded: { data_dir: ${fresh}/data } }\n`,
    );
    const freshEnv = { ...env, BIGBROTR_CONFIG_DIR: fresh };
    const result = await cli(["monitor", "--relay", "not-a-url"], freshEnv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^usage error: --relay not-a-url: .+ \(a relay URL looks like wss:/),
    ]);
    const sync = await cli(["synchronizer", "--once", "--relay", "wss://"], freshEnv);
    expect(sync.code).toBe(2);
    expect(sync.stdout).toBe("");
    expect(sync.stderr).toMatch(/^usage error: --relay wss:\/\/: /);
    // The monitor's key is generated into the data folder on first use: not for a bad call.
    expect(existsSync(join(fresh, "data", "monitor.key"))).toBe(false);
  });
});

describe("configuration checked up front, exit 2", () => {
  it.each([
    ["notaurl", "DATABASE_URL=notaurl: not a URL"],
    ["mysql://u:secret@db.example.com/x", "DATABASE_URL=mysql://u:***@db.example.com/x: scheme"],
    [
      "postgres://u:secret@127.0.0.1:99999/x",
      "DATABASE_URL=postgres://u:***@127.0.0.1:99999/x: port 99999 is not a port number",
    ],
  ])("DATABASE_URL=%s", async (url, message) => {
    for (const args of [["status"], ["migrate"], ["up", "--once", "--only", "refresher"]]) {
      const result = await cli(args, { ...env, DATABASE_URL: url });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(`configuration error: ${message}`);
      expect(result.stderr).not.toContain("secret");
      expect(result.stdout).toBe("");
    }
  });

  it("a --config-dir or BIGBROTR_CONFIG_DIR that does not exist", async () => {
    const missing = join(root, "no-such-config");
    const cwd = join(root, "cwd");
    await mkdir(cwd);
    const flag = await cli(["status", "--config-dir", missing], env, cwd);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain(`--config-dir ${missing}: no such folder`);
    const variable = await cli(["migrate"], { ...env, BIGBROTR_CONFIG_DIR: missing }, cwd);
    expect(variable.code).toBe(2);
    expect(variable.stderr).toContain(`BIGBROTR_CONFIG_DIR ${missing}: no such folder`);
    // Never the defaults and a new cluster in ./data instead.
    expect(existsSync(join(cwd, "data"))).toBe(false);
  });

  it("status takes --log-level; --version prints the package's version", async () => {
    const status = await cli(["status", "--log-level", "error", "--json"], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).profile).toBe("bigbrotr");
    const version = await cli(["--version"], env);
    expect(version.code).toBe(0);
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
  });
});

describe("the embedded server", () => {
  let holder: Server;
  afterAll(() => new Promise<void>((done) => (holder ? holder.close(() => done()) : done())));

  it("explains a port clash (port, log, fix); BIGBROTR_DB_PORT moves it; as root owns only data/pg", async () => {
    const clash = await freePort();
    holder = createServer();
    await new Promise<void>((done) => holder.listen(clash, "127.0.0.1", done));
    const dir = join(root, "embedded");
    const data = join(dir, "data");
    await mkdir(join(dir, "config"), { recursive: true });
    await mkdir(data, { recursive: true });
    await writeFile(join(data, "devnet-seeds.txt"), "ws://127.0.0.1:1\n");
    await writeFile(
      join(dir, "config", "brotr.yaml"),
      `database: { embedded: { data_dir: ${data}, port: ${clash} }, partitions: 2 }\nlog: { format: json }\n`,
    );
    const noDb = { BIGBROTR_CONFIG_DIR: join(dir, "config"), DATABASE_URL: undefined };
    const clashed = await cli(["migrate"], noDb);
    expect(clashed.code).toBe(2);
    expect(clashed.stderr).toContain(`cannot listen on 127.0.0.1:${clash}: the port is in use`);
    expect(clashed.stderr).toContain("BIGBROTR_DB_PORT=<port>");
    expect(clashed.stderr).toContain(`server log: ${join(data, "postgres.log")}`);
    const moved = await cli(["migrate"], { ...noDb, BIGBROTR_DB_PORT: String(await freePort()) });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain('"schema_up_to_date"');
    if (process.getuid?.() !== 0) return;
    // Running as root: the server (as postgres) owns its folder and its log, nothing else.
    const owner = (path: string) => statSync(path).uid;
    expect(owner(join(data, "pg"))).not.toBe(0);
    expect(owner(join(data, "postgres.log"))).not.toBe(0);
    expect(owner(data)).toBe(0);
    expect(owner(join(data, "devnet-seeds.txt"))).toBe(0);
    expect(owner(join(data, "postgres.password"))).toBe(0);
  });
});
