import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ArchiveItem, archiveEvents } from "../../../src/core/db/archive.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { fakeEvents } from "../../db/core/helpers.js";
import { type FakeUser, makeUser } from "../../support/fake-user.js";
import {
  createEmptyDatabase,
  createTestDatabase,
  databaseUrl,
  type TestDatabase,
} from "../../support/pg.js";

const BIN = resolve("bin/bigbrotr.js");
const A = "wss://a.example.com";
const B = "wss://b.example.com";
const ONION = "ws://pqtppbzn3tbq3nmvffaycd7mon3kvnfqbasqxpj5d62hmxcleukgjwad.onion";

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
      "4 lines: 1 accepted (new), 0 duplicate, 2 invalid, 1 blank; 1 new sighting",
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

/** Every stored column of every event, and every (event, relay) sighting, for comparing. */
async function contents(db: TestDatabase) {
  const events = await db.pool.query(
    `SELECT encode(id, 'hex') AS id, encode(pubkey, 'hex') AS pubkey, created_at, kind,
            tagvalues, tags::text AS tags, content, encode(sig, 'hex') AS sig
     FROM event ORDER BY id`,
  );
  const sightings = await db.pool.query(
    `SELECT encode(er.event_id, 'hex') AS id, r.url, r.network
     FROM event_relay er JOIN relay r ON r.id = er.relay_id ORDER BY 1, 2`,
  );
  return { events: events.rows, sightings: sightings.rows };
}

const idsOf = (jsonl: string) =>
  jsonl
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (JSON.parse(l) as NostrEvent).id);

describe("bigbrotr export", () => {
  let source: TestDatabase;
  const events: NostrEvent[] = [];
  const relaysOf = (i: number) => [A, ...(i % 2 ? [B] : []), ...(i % 5 === 0 ? [ONION] : [])];

  beforeAll(async () => {
    source = await createTestDatabase();
    for (let i = 0; i < 30; i++) {
      events.push(signed(i % 3 === 0 ? 'tab\t "quoted" 日本 🤙' : `event ${i}`, [1, 7, 0][i % 3]));
    }
    const items: ArchiveItem[] = events.flatMap((event, i) =>
      relaysOf(i).map((relayUrl) => ({
        event,
        relayUrl,
        network: relayUrl === ONION ? ("tor" as const) : ("clearnet" as const),
        seenAt: 1_750_000_000 + i,
      })),
    );
    await archiveEvents(source.pool, items, { profile: "bigbrotr" });
  });
  afterAll(async () => {
    await source.drop();
  });

  it("round trip with --with-relays: an empty database gets the same events and sightings", async () => {
    const exported = await cli(["export", "--with-relays"], source.url);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toBe("");
    expect(new Set(idsOf(exported.stdout))).toEqual(new Set(events.map((e) => e.id)));
    const target = await createEmptyDatabase();
    try {
      const file = join(root, "backup.jsonl");
      await writeFile(file, exported.stdout);
      const imported = await cli(["import", file, "--json", "--threads", "1"], target.url);
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({
        lines: 30,
        accepted: 30,
        duplicate: 0,
        invalid: 0,
        complete: true,
      });
      expect(await contents(target)).toEqual(await contents(source));
    } finally {
      await target.drop();
    }
  });

  it("round trip without relays: refused once, up front, naming --relay; all stored on --relay", async () => {
    const exported = await cli(["export"], source.url);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).not.toContain('"relays"');
    const target = await createTestDatabase();
    try {
      const bare = await cli(["import", "-", "--json"], target.url, { stdin: exported.stdout });
      expect(bare.code).toBe(2);
      expect(bare.stdout).toBe("");
      expect(bare.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(
          /^usage error: the input holds plain NIP-01 events that name no relay: add --relay URL/,
        ),
      ]);
      expect((await contents(target)).events).toEqual([]);
      const restore = "wss://restore.example.com";
      const given = await cli(["import", "-", "--relay", restore], target.url, {
        stdin: exported.stdout,
      });
      expect(given.code, given.stderr).toBe(0);
      const { events: rows, sightings } = await contents(target);
      expect(rows).toEqual((await contents(source)).events);
      expect(sightings).toHaveLength(30);
      expect(new Set(sightings.map((s) => s.url))).toEqual(new Set([restore]));
    } finally {
      await target.drop();
    }
  });

  it("a plain NIP-01 file on --relay: forged lines named as forged, one line for one line", async () => {
    const good = signed("plain good");
    const forged = { ...signed("plain forged"), sig: signed("other").sig };
    const tampered = { ...signed("plain tampered"), content: "changed" };
    const file = join(root, "plain.jsonl");
    await writeFile(file, [line(good), line(forged), line(tampered)].join("\n"));
    const target = await createTestDatabase();
    try {
      const text = await cli(["import", file, "--relay", A], target.url);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(
        "3 lines: 1 accepted (new), 0 duplicate, 2 invalid, 0 blank; 1 new sighting\n",
      );
      expect(text.stdout).toContain("  line 2: invalid: bad signature");
      expect(text.stdout).toContain("  line 3: invalid: id does not match the event's hash");
      // A file that names relays on some lines only: the others are checked, then refused.
      const mixed = join(root, "mixed.jsonl");
      await writeFile(mixed, [line(good, [B]), line(forged), line(signed("no relay"))].join("\n"));
      const report = await cli(["import", mixed, "--json"], target.url);
      expect(report.code, report.stderr).toBe(0);
      expect(JSON.parse(report.stdout).invalidLines).toEqual([
        { line: 2, reason: "invalid: bad signature" },
        { line: 3, reason: "no relay to attribute the event to" },
      ]);
    } finally {
      await target.drop();
    }
  });

  it("--since, --until, --kinds and --relay select exactly the matching events", async () => {
    const t = (i: number) => (events[i] as NostrEvent).created_at;
    const result = await cli(
      [
        "export",
        "--since",
        String(t(3)),
        "--until",
        String(t(24)),
        "--kinds",
        "1,7",
        "--relay",
        "WSS://B.example.com/",
      ],
      source.url,
    );
    expect(result.code, result.stderr).toBe(0);
    const expected = events
      .filter((e, i) => i >= 3 && i <= 24 && e.kind !== 0 && relaysOf(i).includes(B))
      .map((e) => e.id);
    expect(expected.length).toBeGreaterThan(3);
    expect(idsOf(result.stdout)).toEqual(expected);
    const iso = new Date(t(28) * 1000).toISOString();
    const since = await cli(["export", "--since", iso], source.url);
    expect(idsOf(since.stdout)).toEqual(events.slice(28).map((e) => e.id));
    const bad = await cli(["export", "--kinds", "1,x"], source.url);
    expect(bad.code).toBe(2);
  });

  it("reports progress on stderr with --progress, never on stdout", async () => {
    const result = await cli(["export", "--progress"], source.url);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^30 events written, [0-9,]+\/s\n$/);
    expect(idsOf(result.stdout)).toHaveLength(30);
  });

  it("ends quietly with exit 0 when the reader of stdout goes away (| head)", async () => {
    const big = await createTestDatabase();
    try {
      const many = fakeEvents("epipe-", 12_000);
      await archiveEvents(
        big.pool,
        many.map((event) => ({ event, relayUrl: A, network: "clearnet" as const, seenAt: 1 })),
        { profile: "bigbrotr" },
      );
      const env = { ...process.env, BIGBROTR_CONFIG_DIR: bigDir, DATABASE_URL: big.url };
      const child = spawn(process.execPath, [BIN, "export"], { env, stdio: "pipe" });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      let first = "";
      child.stdout.once("data", (d: Buffer) => {
        first = d.toString();
        child.stdout.destroy();
      });
      const code = await new Promise<number | null>((done) => child.on("close", done));
      expect(first.length).toBeGreaterThan(0);
      expect(stderr).toBe("");
      expect(code).toBe(0);
    } finally {
      await big.drop();
    }
  });

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
