import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { type FakeUser, makeUser } from "../../support/fake-user.js";
import { createTestDatabase, databaseUrl, type TestDatabase } from "../../support/pg.js";

const BIN = resolve("bin/bigbrotr.js");
const A = "wss://a.example.com";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let root: string;
let bigDir: string;
let lilDir: string;
let user: FakeUser;
let serial = 0;

/** Runs the CLI on `db` (through DATABASE_URL, never the embedded server). */
function cli(args: string[], url: string, options: { dir?: string; stdin?: string } = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BIGBROTR_CONFIG_DIR: options.dir ?? bigDir,
    DATABASE_URL: url,
  };
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.end(options.stdin ?? "");
  return new Promise<Result>((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

function signed(content: string, kind = 1): NostrEvent {
  serial += 1;
  return user.sign({ kind, created_at: 1_700_000_000 + serial, tags: [], content });
}

const line = (event: NostrEvent, relays?: string[]) =>
  JSON.stringify(relays === undefined ? event : { ...event, relays });

beforeAll(async () => {
  user = await makeUser("cli-export-import");
  root = await mkdtemp(join(tmpdir(), "bigbrotr-io-"));
  bigDir = join(root, "big");
  lilDir = join(root, "lil");
  for (const [dir, profile] of [
    [bigDir, "bigbrotr"],
    [lilDir, "lilbrotr"],
  ] as const) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "brotr.yaml"), `profile: ${profile}\nlog: { format: json }\n`);
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("bigbrotr import", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("imports a file, reports the invalid lines and exits 0; again from stdin as JSON", async () => {
    const good = signed("good");
    const forged = { ...signed("forged"), sig: signed("other").sig };
    const text = [line(good, [A]), "", "{oops", line(forged, [A])].join("\n");
    const file = join(root, "in.jsonl");
    await writeFile(file, text);
    const first = await cli(["import", file, "--threads", "1"], db.url);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.split("\n")).toEqual([
      "4 lines: 1 accepted (new), 0 duplicate, 2 invalid, 1 blank; 1 new sightings",
      "invalid lines:",
      expect.stringMatching(/^ {2}line 3: not JSON: /),
      "  line 4: invalid: bad signature",
      "",
    ]);
    const again = await cli(["import", "-", "--json", "--threads", "0"], db.url, { stdin: text });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      lines: 4,
      accepted: 0,
      duplicate: 1,
      invalid: 2,
      complete: true,
    });
    const { rows } = await db.pool.query("SELECT encode(id, 'hex') AS id FROM event");
    expect(rows.map((r) => r.id)).toEqual([good.id]);
  });

  it("exits 1 on a database error, 1 on a missing file and 2 on a bad --relay", async () => {
    const file = join(root, "one.jsonl");
    await writeFile(file, line(signed("x"), [A]));
    const noDb = await cli(["import", file], databaseUrl("no_such_database_here"));
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toMatch(/error: .*no_such_database_here/);
    const noFile = await cli(["import", join(root, "missing.jsonl")], db.url);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/error: ENOENT.*missing\.jsonl/);
    const badRelay = await cli(["import", file, "--relay", "https://nope.example.com"], db.url);
    expect(badRelay.code).toBe(2);
    expect(badRelay.stderr).toContain("--relay: scheme must be ws or wss");
  });
});

describe("bigbrotr export", () => {
  it("refuses a lilbrotr archive: its events cannot be rebuilt", async () => {
    const lil = await createTestDatabase({ profile: "lilbrotr" });
    try {
      const result = await cli(["export"], lil.url, { dir: lilDir });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain("lilbrotr archive");
      expect(result.stderr).toContain("cannot be rebuilt");
    } finally {
      await lil.drop();
    }
  });
});
