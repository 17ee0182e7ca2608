import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../../src/core/config/load.js";
import { runOnce } from "../../../../src/core/service.js";
import { seederConfigSchema } from "../../../../src/services/seeder/config.js";
import { createSeeder } from "../../../../src/services/seeder/service.js";
import { readCandidates } from "../../../support/candidates.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { metricValue, testBrotrConfig, testContext } from "../validator/devnet.js";

const NOW = 1_700_000_000;
const ONION = "ws://pqtppbzn3tbq3nmvffaycd7mon3kvnfqbasqxpj5d62hmxcleukgjwad.onion";
const SEED = [
  "# test seeds",
  "wss://relay.damus.io",
  "",
  "wss://nos.lol/ # inline comment",
  "https://not-a-relay.com",
  "wss://user:pw@relay.primal.net",
  ONION,
  "wss://NOS.LOL",
].join("\n");

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "bigbrotr-seeder-"));
});
afterAll(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await db.pool.query("DELETE FROM service_state; DELETE FROM relay");
});

async function seeder(text: string, toValidate = true) {
  const path = join(dir, `seeds-${Math.random().toString(36).slice(2)}.txt`);
  await writeFile(path, text);
  const config = parseConfig(
    seederConfigSchema,
    { seed: { file_path: path, to_validate: toValidate } },
    "seeder.yaml",
  );
  return createSeeder({ brotr: testBrotrConfig() }, config);
}

const EXPECTED = ["wss://nos.lol", "wss://relay.damus.io", ONION];

describe("seeder", () => {
  it("adds valid lines as candidates and reports bad ones with their line numbers", async () => {
    const service = await seeder(SEED);
    const { ctx, lines, registry } = testContext(db.pool, NOW);

    const report = await service.runCycle(ctx);

    expect(report).toMatchObject({ added: 3, known: 0, duplicate: 1, rejected: 2 });
    const candidates = await readCandidates(db.pool, EXPECTED);
    expect(candidates.map((c) => [c.url, c.network, c.failures, c.firstSeen, c.source])).toEqual([
      [ONION, "tor", 0, NOW, "seed"],
      ["wss://nos.lol", "clearnet", 0, NOW, "seed"],
      ["wss://relay.damus.io", "clearnet", 0, NOW, "seed"],
    ]);
    const rejected = lines.filter((l) => l.msg === "seed_line_rejected");
    expect(rejected.map((l) => [l.line, l.reason])).toEqual([
      [5, "scheme must be ws or wss"],
      [6, "credentials (userinfo) not allowed"],
    ]);
    expect(await metricValue(registry, "brotr_seed_lines_total", { outcome: "rejected" })).toBe(2);
    expect(await metricValue(registry, "brotr_seed_lines_total", { outcome: "added" })).toBe(3);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM relay");
    expect(rows[0].n).toBe(0);
  });

  it("is idempotent and never resets an existing candidate's counters", async () => {
    const service = await seeder(SEED);
    await service.runCycle(testContext(db.pool, NOW).ctx);
    await db.pool.query(
      `UPDATE service_state SET state_value = state_value
         || '{"failures": 7, "next_attempt": 123, "reason": "silent: x"}'
       WHERE state_key = 'wss://nos.lol'`,
    );
    await db.pool.query("INSERT INTO relay VALUES ('wss://relay.damus.io', 'clearnet', 1)");
    const before = await db.pool.query("SELECT * FROM service_state ORDER BY state_key");

    const report = await service.runCycle(testContext(db.pool, NOW + 500).ctx);

    expect(report).toMatchObject({ added: 0, known: 3 });
    const after = await db.pool.query("SELECT * FROM service_state ORDER BY state_key");
    expect(after.rows).toEqual(before.rows);
  });

  it("inserts straight into relay with to_validate: false, idempotently", async () => {
    const service = await seeder(SEED, false);
    expect(await service.runCycle(testContext(db.pool, NOW).ctx)).toMatchObject({
      target: "relays",
      added: 3,
    });
    expect(await service.runCycle(testContext(db.pool, NOW + 9).ctx)).toMatchObject({ added: 0 });
    const { rows } = await db.pool.query(
      "SELECT url, network, discovered_at FROM relay ORDER BY url",
    );
    expect(rows).toEqual([
      { url: ONION, network: "tor", discovered_at: NOW },
      { url: "wss://nos.lol", network: "clearnet", discovered_at: NOW },
      { url: "wss://relay.damus.io", network: "clearnet", discovered_at: NOW },
    ]);
    expect(await readCandidates(db.pool, EXPECTED)).toEqual([]);
  });

  it("seeds a 10,000-line file in batches", async () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `wss://relay${i}.example.org`).join("\n");
    const service = await seeder(text);
    expect(await service.runCycle(testContext(db.pool, NOW).ctx)).toMatchObject({ added: 10_000 });
  });

  it("fails the cycle with the path when the file is missing", async () => {
    const config = parseConfig(
      seederConfigSchema,
      { seed: { file_path: join(dir, "missing.txt") } },
      "seeder.yaml",
    );
    const service = createSeeder({ brotr: testBrotrConfig() }, config);
    const outcome = await runOnce(service, testContext(db.pool, NOW).ctx);
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.message).toMatch(/cannot read seed file .*missing\.txt/);
  });
});

describe("seeder on a devnet (allow_private)", () => {
  const LOCAL = "ws://127.0.0.1:7001\nws://localhost:7002/\nwss://relay.damus.io\n";

  it("accepts loopback relay URLs only when the deployment allows private hosts", async () => {
    const path = join(dir, "devnet-seeds.txt");
    await writeFile(path, LOCAL);
    const config = parseConfig(seederConfigSchema, { seed: { file_path: path } }, "seeder.yaml");

    const all = ["ws://127.0.0.1:7001", "ws://localhost:7002", "wss://relay.damus.io"];
    const strict = createSeeder({ brotr: testBrotrConfig({ allow_private: false }) }, config);
    await strict.runCycle(testContext(db.pool, NOW).ctx);
    expect((await readCandidates(db.pool, all)).map((c) => c.url)).toEqual([
      "wss://relay.damus.io",
    ]);

    const devnet = createSeeder({ brotr: testBrotrConfig({ allow_private: true }) }, config);
    await devnet.runCycle(testContext(db.pool, NOW).ctx);
    expect((await readCandidates(db.pool, all)).map((c) => c.url).sort()).toEqual(all);
  });
});
