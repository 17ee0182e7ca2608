import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../../src/core/config/schemas.js";
import type { Profile } from "../../../../src/core/db/migrate.js";
import { insertCandidates } from "../../../../src/core/db/service-state/candidates.js";
import { parseRelayUrl } from "../../../../src/models/index.js";
import { createFinder, finderConfigSchema } from "../../../../src/services/finder/service.js";
import { generateEvents } from "../../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import {
  candidates,
  finderState,
  hexOf,
  metricValue,
  storeEvent,
  testContext,
  xidOf,
} from "./helpers.js";

const T0 = 1_000_000;
const NOW = T0 + 10_000;
const PK = hexOf("someone");
const ARCHIVE = [
  "wss://archive-1.example.com",
  "wss://archive-2.example.com",
  "wss://archive-3.example.com",
];

function finder(profile: Profile, events: Record<string, unknown> = {}) {
  const brotr = parseConfig(brotrConfigSchema, { profile }, "brotr.yaml");
  const config = parseConfig(
    finderConfigSchema,
    { api: { enabled: false }, events },
    "finder.yaml",
  );
  return createFinder({ brotr }, config);
}

const zapRequest = JSON.stringify({
  kind: 9734,
  tags: [
    ["relays", "wss://zap.example.com"],
    ["amount", "21000"],
  ],
});

/** One event per source, plus invalid and known URLs. */
async function storeSampleEvents(db: TestDatabase, profile: Profile): Promise<void> {
  const at = (n: number) => [{ relay: ARCHIVE[0]!, seenAt: T0 + n }];
  await storeEvent(
    db.pool,
    profile,
    {
      seed: "e1",
      kind: 10002,
      tags: [
        ["r", "wss://nip65.example.com"],
        ["r", ARCHIVE[0]],
        ["r", "wss://user:pw@creds.example.com"],
      ],
    },
    ARCHIVE.map((relay, i) => ({ relay, seenAt: T0 + 1 + i })),
  );
  const e2Tags = [
    ["p", PK, "wss://hint.example.com"],
    ["e", hexOf("x"), "wss://already-candidate.example.com", "reply"],
    ["r", "wss://tagged.example.com/"],
    ["relays", "wss://relays-tag.example.com", 42],
  ];
  await storeEvent(db.pool, profile, { seed: "e2", kind: 1, tags: e2Tags }, at(10));
  const legacy = JSON.stringify({
    "wss://legacy.example.com": { read: true, write: true },
    "https://web.example": {},
  });
  await storeEvent(
    db.pool,
    profile,
    { seed: "e3", kind: 3, tags: [["p", PK, "wss://hint3.example.com"]], content: legacy },
    at(20),
  );
  await storeEvent(
    db.pool,
    profile,
    { seed: "e4", kind: 2, tags: [], content: "wss://recommended.example.com" },
    at(30),
  );
  await storeEvent(
    db.pool,
    profile,
    {
      seed: "e5",
      kind: 9735,
      tags: [
        ["p", PK],
        ["description", zapRequest],
      ],
    },
    at(40),
  );
  await storeEvent(
    db.pool,
    profile,
    {
      seed: "e6",
      kind: 30166,
      tags: [
        ["d", "wss://monitored.example.com"],
        ["n", "clearnet"],
      ],
    },
    at(50),
  );
  await storeEvent(
    db.pool,
    profile,
    { seed: "e7", kind: 1, tags: [["r", "wss://127.0.0.1:7777"]] },
    at(60),
  );
}

const EXPECTED: Record<
  Profile,
  { candidates: Record<string, string>; report: Record<string, number> }
> = {
  bigbrotr: {
    candidates: {
      "wss://already-candidate.example.com": "seed",
      "wss://hint.example.com": "finder:hint",
      "wss://hint3.example.com": "finder:hint",
      "wss://legacy.example.com": "finder:kind3_content",
      "wss://monitored.example.com": "finder:nip66",
      "wss://nip65.example.com": "finder:nip65",
      "wss://recommended.example.com": "finder:kind2",
      "wss://relays-tag.example.com": "finder:relays_tag",
      "wss://tagged.example.com": "finder:tag",
      "wss://zap.example.com": "finder:relays_tag",
    },
    report: {
      events_scanned: 7,
      urls_new: 9,
      urls_known: 2,
      urls_invalid: 3,
      nip65_new: 1,
      nip65_known: 1,
      nip65_invalid: 1,
      hint_new: 2,
      hint_known: 1,
      tag_new: 1,
      tag_invalid: 1,
      relays_tag_new: 2,
      kind3_content_new: 1,
      kind3_content_invalid: 1,
      kind2_new: 1,
      nip66_new: 1,
    },
  },
  // Only tagvalues are stored: hints, relays tags and content are out of reach.
  lilbrotr: {
    candidates: {
      "wss://already-candidate.example.com": "seed",
      "wss://monitored.example.com": "finder:nip66",
      "wss://nip65.example.com": "finder:nip65",
      "wss://tagged.example.com": "finder:tag",
    },
    report: {
      events_scanned: 7,
      urls_new: 3,
      urls_known: 1,
      urls_invalid: 2,
      nip65_new: 1,
      nip65_known: 1,
      nip65_invalid: 1,
      tag_new: 1,
      tag_invalid: 1,
      nip66_new: 1,
    },
  },
};

describe.each(["bigbrotr", "lilbrotr"] as const)("finder event phase (%s)", (profile) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase({ profile });
    await insertCandidates(
      db.pool,
      [{ url: "wss://already-candidate.example.com", network: "clearnet", source: "seed" }],
      T0,
    );
  });
  afterEach(async () => {
    await db.drop();
  });

  it("finds exactly the expected candidates with per-source counts, once", async () => {
    await storeSampleEvents(db, profile);
    const { ctx, registry, lines } = testContext(db.pool, () => NOW);
    const report = await finder(profile).runCycle(ctx);
    expect(await candidates(db.pool)).toEqual(EXPECTED[profile].candidates);
    expect(report).toMatchObject(EXPECTED[profile].report);
    expect(report?.events_cursor).toBe(Number(await xidOf(db.pool, "e7")));
    expect(
      await metricValue(registry, "brotr_finder_urls_total", {
        source: "nip65",
        outcome: "invalid",
      }),
    ).toBe(1);
    expect(
      await metricValue(registry, "brotr_finder_rejected_urls_total", {
        source: "nip65",
        reason: "credentials",
      }),
    ).toBe(1);
    expect(
      await metricValue(registry, "brotr_finder_rejected_urls_total", {
        source: "tag",
        reason: "private",
      }),
    ).toBe(1);
    expect(await metricValue(registry, "brotr_finder_events_scanned_total", {})).toBe(7);
    expect(lines.some((l) => l.msg === "urls_by_source")).toBe(true);
    expect(await finderState(db.pool, "cursor")).toEqual({
      events: { xid: await xidOf(db.pool, "e7"), id: hexOf("id:e7"), kinds: null },
    });

    const again = await finder(profile).runCycle(ctx);
    expect(again).toMatchObject({ events_scanned: 0, urls_new: 0, urls_known: 0, urls_invalid: 0 });
  });

  it("scans an event seen on several relays once, even when a new sighting arrives later", async () => {
    await storeSampleEvents(db, profile);
    const { ctx } = testContext(db.pool, () => NOW);
    await finder(profile).runCycle(ctx);
    await db.pool.query(
      "INSERT INTO relay (url, network, discovered_at) VALUES ('wss://archive-4.example', 'clearnet', 0)",
    );
    await db.pool.query(
      `INSERT INTO event_relay (event_id, relay_id, seen_at) VALUES
       (decode($1, 'hex'), (SELECT id FROM relay WHERE url = 'wss://archive-4.example'), $2)`,
      [hexOf("id:e1"), T0 + 500],
    );
    await storeEvent(
      db.pool,
      profile,
      { seed: "e9", kind: 10002, tags: [["r", "wss://late.example.com"]] },
      [
        { relay: ARCHIVE[1]!, seenAt: T0 + 600 },
        { relay: ARCHIVE[0]!, seenAt: T0 + 600 },
      ],
    );
    const report = await finder(profile).runCycle(ctx);
    expect(report).toMatchObject({ events_scanned: 1, urls_new: 1, nip65_new: 1 });
    expect(report).not.toHaveProperty("nip65_known");
  });

  it("never skips an event whose archive transaction commits after later ones", async () => {
    // The relays exist already (so the two writers do not wait on each other's relay row).
    for (const url of ARCHIVE) {
      await db.pool.query(
        "INSERT INTO relay (url, network, discovered_at) VALUES ($1, 'clearnet', 0) ON CONFLICT DO NOTHING",
        [url],
      );
    }
    const slow = await db.pool.connect();
    try {
      // A slow archive: it stores its event first, then stays open.
      await slow.query("BEGIN");
      await storeEvent(
        slow,
        profile,
        { seed: "slow", kind: 10002, tags: [["r", "wss://slow.example.com"]] },
        [{ relay: ARCHIVE[0]!, seenAt: T0 }],
      );
      // A quick one, started later, commits first.
      await storeEvent(
        db.pool,
        profile,
        { seed: "quick", kind: 10002, tags: [["r", "wss://quick.example.com"]] },
        [{ relay: ARCHIVE[0]!, seenAt: T0 + 5 }],
      );
      const { ctx } = testContext(db.pool, () => NOW);
      // The walk stops below the open transaction: the quick event waits too.
      expect(await finder(profile).runCycle(ctx)).toMatchObject({ events_scanned: 0 });
      await slow.query("COMMIT");
      const report = await finder(profile).runCycle(ctx);
      expect(report).toMatchObject({ events_scanned: 2, urls_new: 2 });
      expect(Object.keys(await candidates(db.pool))).toEqual(
        expect.arrayContaining(["wss://slow.example.com", "wss://quick.example.com"]),
      );
    } finally {
      await slow.query("ROLLBACK").catch(() => {});
      slow.release();
    }
  });

  it("pages through many events of one storing transaction (cursor ties broken by id)", async () => {
    const one = await db.pool.connect();
    await one.query("BEGIN");
    for (let i = 0; i < 35; i++) {
      await storeEvent(
        one,
        profile,
        { seed: `same${i}`, kind: 10002, tags: [["r", `wss://same-${i}.example.com`]] },
        [
          { relay: ARCHIVE[0]!, seenAt: T0 },
          { relay: ARCHIVE[1]!, seenAt: T0 },
        ],
      );
    }
    await one.query("COMMIT");
    one.release();
    const { ctx } = testContext(db.pool, () => NOW);
    const report = await finder(profile, { scan_size: 10, batch_size: 10 }).runCycle(ctx);
    expect(report).toMatchObject({ events_scanned: 35, urls_new: 35 });
    expect(Object.keys(await candidates(db.pool))).toHaveLength(36);
  });

  it("does not advance the cursor past a batch whose candidates failed to insert", async () => {
    for (let i = 0; i < 15; i++) {
      const url = i === 12 ? "wss://poison.example.com" : `wss://u${i}.example.com`;
      await storeEvent(db.pool, profile, { seed: `c${i}`, kind: 10002, tags: [["r", url]] }, [
        { relay: ARCHIVE[0]!, seenAt: T0 + i },
      ]);
    }
    await db.pool.query(`
      CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected failure'; END $$;
      CREATE TRIGGER reject_poison BEFORE INSERT ON service_state FOR EACH ROW
        WHEN (NEW.state_key = 'wss://poison.example.com') EXECUTE FUNCTION reject_poison();`);
    const { ctx } = testContext(db.pool, () => NOW);
    const service = finder(profile, { scan_size: 10, batch_size: 10 });
    await expect(service.runCycle(ctx)).rejects.toThrow(/injected failure/);
    expect((await finderState(db.pool, "cursor")).events).toMatchObject({
      xid: await xidOf(db.pool, "c9"),
    });
    expect(Object.keys(await candidates(db.pool))).toHaveLength(11);

    await db.pool.query("DROP TRIGGER reject_poison ON service_state");
    expect(await service.runCycle(ctx)).toMatchObject({ events_scanned: 5, urls_new: 5 });
    expect((await finderState(db.pool, "cursor")).events).toMatchObject({
      xid: await xidOf(db.pool, "c14"),
    });
    expect(Object.keys(await candidates(db.pool))).toHaveLength(16);
  });

  it("stops between batches when aborted, with the cursor at the last stored batch", async () => {
    for (let i = 0; i < 30; i++) {
      await storeEvent(
        db.pool,
        profile,
        { seed: `ab${i}`, kind: 10002, tags: [["r", `wss://ab${i}.example.com`]] },
        [{ relay: ARCHIVE[0]!, seenAt: T0 + i }],
      );
    }
    const stopAfterFirstBatch = (line: Record<string, unknown>, abort: AbortController) => {
      if (line.msg === "event_batch_flushed") abort.abort();
    };
    const { ctx } = testContext(db.pool, () => NOW, stopAfterFirstBatch);
    const service = finder(profile, { scan_size: 10, batch_size: 10 });
    expect(await service.runCycle(ctx)).toMatchObject({ events_scanned: 10, urls_new: 10 });
    expect((await finderState(db.pool, "cursor")).events).toMatchObject({
      xid: await xidOf(db.pool, "ab9"),
    });
    const { ctx: fresh } = testContext(db.pool, () => NOW);
    expect(await service.runCycle(fresh)).toMatchObject({ events_scanned: 20, urls_new: 20 });
  });

  it("rescans from the start when the kinds filter is widened, not when narrowed", async () => {
    await storeSampleEvents(db, profile);
    const { ctx } = testContext(db.pool, () => NOW);
    expect(await finder(profile, { kinds: [10002, 30166] }).runCycle(ctx)).toMatchObject({
      events_scanned: 2,
    });
    expect(await finder(profile, { kinds: [10002] }).runCycle(ctx)).toMatchObject({
      events_scanned: 0,
    });
    const widened = await finder(profile).runCycle(ctx);
    expect(widened).toMatchObject({ events_scanned: 7 });
    expect(await candidates(db.pool)).toEqual(EXPECTED[profile].candidates);
  });

  it("cleanup drops unconfigured source checkpoints and foreign cursors only", async () => {
    const rows: [string, string][] = [
      ["checkpoint", "https://api.nostr.watch/v1/online"],
      ["checkpoint", "https://gone.example/list"],
      ["checkpoint", "last_cycle"],
      ["cursor", "events"],
      ["cursor", "wss://per-relay-cursor.example.com"],
    ];
    for (const [type, key] of rows) {
      await db.pool.query(
        "INSERT INTO service_state (service_name, state_type, state_key, state_value) VALUES ('finder', $1, $2, '{\"timestamp\": 1}')",
        [type, key],
      );
    }
    const brotr = parseConfig(brotrConfigSchema, { profile }, "brotr.yaml");
    const service = createFinder({ brotr }, parseConfig(finderConfigSchema, {}, "finder.yaml"));
    const { ctx } = testContext(db.pool, () => NOW);
    expect(await service.cleanup?.(ctx)).toBe(2);
    expect(Object.keys(await finderState(db.pool, "checkpoint"))).toEqual([
      "https://api.nostr.watch/v1/online",
      "last_cycle",
    ]);
    expect(Object.keys(await finderState(db.pool, "cursor"))).toEqual(["events"]);
  });
});

describe("finder over a realistic dataset", () => {
  it.each(["bigbrotr", "lilbrotr"] as const)(
    "finds only sanitised URLs from the list (%s)",
    async (profile) => {
      const db = await createTestDatabase({ profile });
      try {
        const relayUrls = [
          "wss://relay-a.example.com",
          "wss://RELAY-B.example.com:443/",
          "wss://user:secret@creds.example.com",
          "ws://10.0.0.1",
          "wss://nostr.example.org/inbox",
        ];
        const events = await generateEvents({ count: 120, seed: 7, relayUrls, sign: false });
        let i = 0;
        for (const e of events) {
          await storeEvent(
            db.pool,
            profile,
            { seed: e.id, kind: e.kind, tags: e.tags, content: e.content },
            [{ relay: ARCHIVE[i++ % 3]!, seenAt: T0 + i }],
          );
        }
        const { ctx } = testContext(db.pool, () => NOW);
        const report = await finder(profile).runCycle(ctx);
        const valid = new Set(
          relayUrls.map((u) => parseRelayUrl(u)).flatMap((p) => (p.ok ? [p.url] : [])),
        );
        const found = Object.keys(await candidates(db.pool));
        expect(report).toMatchObject({ events_scanned: 120 });
        expect(found.every((u) => valid.has(u))).toBe(true);
        if (profile === "bigbrotr") expect(new Set(found)).toEqual(valid);
        expect(Number(report?.urls_invalid)).toBeGreaterThan(0);
      } finally {
        await db.drop();
      }
    },
  );
});
