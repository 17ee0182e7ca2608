/**
 * Discovery end to end on a loopback devnet of 20 relays and real PostgreSQL:
 * seeder → validator → (archive events naming more relays) → finder → validator → validator.
 * Clearnet relays are made-up names resolved to 127.0.0.1 and served over TLS (self-signed,
 * so the validator runs with allow_insecure); one relay is a .onion behind a SOCKS5 stub.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { archiveEvents } from "../../../src/core/db/archive.js";
import type { Candidate } from "../../../src/core/db/service-state/candidates.js";
import type { Service, ServiceContext } from "../../../src/core/service.js";
import { createFinder, finderConfigSchema } from "../../../src/services/finder/service.js";
import { seederConfigSchema } from "../../../src/services/seeder/config.js";
import { createSeeder } from "../../../src/services/seeder/service.js";
import { validatorConfigSchema } from "../../../src/services/validator/config.js";
import { createValidator } from "../../../src/services/validator/service.js";
import {
  closedPort,
  loopbackResolver,
  startOnionRelay,
  startTlsFront,
  testBrotrConfig,
  testContext,
} from "../../db/services/validator/devnet.js";
import { readCandidates } from "../../support/candidates.js";
import { startFakeRelay } from "../../support/fake-relay.js";
import { makeUser } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

type Behaviour = "healthy" | "auth" | "closed" | "silent" | "refuse" | "dead";

const T0 = 1_700_000_000;
const RETRY = 3600;
const DOMAIN = "relay-devnet.net";

/** name → behaviour. "seed" relays go in the seed file; "found" ones only appear in events. */
const SEEDED: Record<string, Behaviour> = {
  h1: "healthy",
  h2: "healthy",
  h3: "healthy",
  h4: "healthy",
  h5: "healthy",
  h6: "healthy",
  a1: "auth",
  a2: "auth",
  c1: "closed",
  s1: "silent",
  s2: "silent",
  r1: "refuse",
  d1: "dead",
  d2: "dead",
};
const FOUND: Record<string, Behaviour> = {
  f1: "healthy", // kind 10002 r tag
  f2: "healthy", // kind 3 p-tag hint
  f3: "healthy", // kind 3 legacy relay map in content
  f4: "silent", // kind 10002 r tag
  f5: "dead", // kind 3 p-tag hint
};
const REACHABLE = new Set<Behaviour>(["healthy", "auth", "closed"]);

let db: TestDatabase;
let dir: string;
const closers: (() => Promise<void>)[] = [];
const urls = new Map<string, string>();
const behaviourOf = new Map<string, Behaviour>();
let onionUrl = "";
let socksUrl = "";

async function startRelay(name: string, behaviour: Behaviour): Promise<void> {
  const host = `${name}.${DOMAIN}`;
  let port: number;
  if (behaviour === "dead") {
    port = await closedPort();
  } else {
    const relay = await startFakeRelay({
      ...(behaviour === "auth" ? { requireAuth: true } : {}),
      ...(behaviour === "closed" ? { closedPrefix: "restricted" } : {}),
      ...(behaviour === "silent" ? { silent: true } : {}),
      ...(behaviour === "refuse" ? { refuse: true } : {}),
    });
    const front = await startTlsFront(relay.port);
    closers.push(
      () => front.close(),
      () => relay.close(),
    );
    port = front.port;
  }
  const url = `wss://${host}:${port}`;
  urls.set(name, url);
  behaviourOf.set(url, behaviour);
}

async function startOnion(): Promise<void> {
  const onion = await startOnionRelay();
  closers.push(() => onion.close());
  onionUrl = onion.url;
  socksUrl = onion.proxyUrl;
  behaviourOf.set(onionUrl, "healthy");
}

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "bigbrotr-discovery-"));
  for (const [name, b] of Object.entries({ ...SEEDED, ...FOUND })) await startRelay(name, b);
  await startOnion();
});

afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const url = (name: string) => urls.get(name) ?? "";

function services() {
  const brotr = testBrotrConfig({
    networks: {
      clearnet: { timeout: 1, max_tasks: 8 },
      tor: { enabled: true, timeout: 2, proxy: socksUrl },
    },
  });
  const resolver = loopbackResolver([...urls.keys()].map((n) => `${n}.${DOMAIN}`));
  const validator = createValidator(
    { brotr },
    parseConfig(
      validatorConfigSchema,
      { processing: { allow_insecure: true, retry_interval: RETRY, chunk_size: 10 } },
      "validator.yaml",
    ),
    { resolver },
  );
  const finder = createFinder(
    { brotr },
    parseConfig(finderConfigSchema, { api: { enabled: false } }, "finder.yaml"),
  );
  return { brotr, validator, finder };
}

async function seeder(): Promise<Service> {
  const path = join(dir, "seed_relays.txt");
  const lines = [
    "# devnet seeds",
    ...Object.keys(SEEDED).map((n) => url(n)),
    `${onionUrl}  # the onion`,
    "",
    // allow_private (this devnet's setting) admits loopback IP literals as relay URLs, but
    // reserved names such as .local stay invalid under every setting.
    "wss://printer.local:7777",
    "not a relay",
  ];
  await writeFile(path, lines.join("\n"));
  const config = parseConfig(seederConfigSchema, { seed: { file_path: path } }, "seeder.yaml");
  return createSeeder({ brotr: testBrotrConfig() }, config);
}

async function relayUrls(): Promise<string[]> {
  const { rows } = await db.pool.query<{ url: string }>("SELECT url FROM relay ORDER BY url");
  return rows.map((r) => r.url);
}

async function allCandidates(): Promise<Map<string, Candidate>> {
  const { rows } = await db.pool.query<{ url: string }>(
    "SELECT state_key AS url FROM service_state WHERE state_type = 'candidate'",
  );
  const found = await readCandidates(
    db.pool,
    rows.map((r) => r.url),
  );
  return new Map(found.map((c) => [c.url, c]));
}

/** Events seen on h1 that mention the "found" relays (and some noise). */
async function archiveMentions(seenAt: number): Promise<void> {
  const alice = await makeUser("alice");
  const bob = await makeUser("bob");
  const relayList = alice.sign({
    kind: 10002,
    created_at: seenAt - 60,
    tags: [
      ["r", url("f1")],
      ["r", url("f4"), "read"],
      ["r", url("h1")], // already a relay
      ["r", "wss://printer.local:7777"], // never a candidate
    ],
    content: "",
  });
  const follows = bob.sign({
    kind: 3,
    created_at: seenAt - 60,
    tags: [
      ["p", alice.pubkey, url("f2")],
      ["p", alice.pubkey, url("f5")],
    ],
    content: JSON.stringify({ [url("f3")]: { read: true, write: true } }),
  });
  const items = [relayList, follows].map((event) => ({
    event,
    relayUrl: url("h1"),
    network: "clearnet" as const,
    seenAt,
  }));
  const result = await archiveEvents(db.pool, items, { profile: "bigbrotr" });
  expect(result.events).toBe(2);
}

async function cycle(service: Service, ctx: ServiceContext) {
  const removed = service.cleanup ? await service.cleanup(ctx) : 0;
  return { removed, ...(await service.runCycle(ctx)) };
}

describe("discovery pipeline", () => {
  it("ends with exactly the reachable relays and correctly backed-off candidates", async () => {
    const { validator, finder } = services();
    const { ctx, clock, lines } = testContext(db.pool, T0);

    // 1. Seeder: 15 valid lines (14 clearnet + the onion), 2 rejected, re-run is a no-op.
    const seed = await seeder();
    expect(await seed.runCycle(ctx)).toMatchObject({ added: 15, rejected: 2 });
    expect(await seed.runCycle(ctx)).toMatchObject({ added: 0, known: 15 });
    const rejected = lines.filter((l) => l.msg === "seed_line_rejected").map((l) => l.line);
    expect(rejected).toEqual([18, 19, 18, 19]); // logged on each run

    // 2. Validator at T0: every seeded candidate is probed once.
    expect(await cycle(validator, ctx)).toMatchObject({ due: 15, promoted: 10, failed: 5 });

    // 3. Events seen on h1 mention five more relays; the finder turns them into candidates.
    await archiveMentions(T0 + 10);
    clock.now = T0 + 1000;
    const found = await cycle(finder, ctx);
    expect(found).toBeDefined();
    const afterFinder = await allCandidates();
    for (const name of Object.keys(FOUND)) expect(afterFinder.has(url(name))).toBe(true);
    expect(afterFinder.has("wss://printer.local:7777")).toBe(false);
    expect(afterFinder.has(url("h1"))).toBe(false);

    // 4. Validator at T0+1000: only the five new candidates are due (the others back off).
    expect(await cycle(validator, ctx)).toMatchObject({ due: 5, promoted: 3, failed: 2 });

    // 5. Validator at T0+RETRY: the first failures are due again; the backoff doubles.
    clock.now = T0 + RETRY;
    expect(await cycle(validator, ctx)).toMatchObject({ due: 5, promoted: 0, failed: 5 });

    const reachable = [...behaviourOf]
      .filter(([, b]) => REACHABLE.has(b))
      .map(([u]) => u)
      .sort();
    expect(reachable).toHaveLength(13);
    expect(await relayUrls()).toEqual(reachable);

    const candidates = await allCandidates();
    expect(candidates.size).toBe(7);
    const expectFailed = (name: string, failures: number, last: number, reason: string) =>
      expect(candidates.get(url(name))).toMatchObject({
        failures,
        lastAttempt: last,
        nextAttempt: last + RETRY * 2 ** (failures - 1),
        reason: expect.stringMatching(new RegExp(`^${reason}: `)),
      });
    for (const n of ["s1", "s2"]) expectFailed(n, 2, T0 + RETRY, "silent");
    for (const n of ["r1", "d1", "d2"]) expectFailed(n, 2, T0 + RETRY, "refused");
    expectFailed("f4", 1, T0 + 1000, "silent");
    expectFailed("f5", 1, T0 + 1000, "refused");
    expect(candidates.get(url("f1"))).toBeUndefined();
  });
});
