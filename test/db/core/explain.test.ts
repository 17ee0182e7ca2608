import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findEvents } from "../../../src/core/db/api/event-filter.js";
import { readRttHistory } from "../../../src/core/db/api/relay-history.js";
import { latestRelayMetadata } from "../../../src/core/db/api/relay-metadata.js";
import { scanEvents } from "../../../src/core/db/event-scan.js";
import type { Db } from "../../../src/core/db/pool.js";
import { storedEventIds } from "../../../src/core/db/read/events.js";
import { readRelaySummaries } from "../../../src/core/db/read/relay-summary.js";
import { reqEvents } from "../../../src/core/db/relay/archive-reads.js";
import { readMonitorStatus } from "../../../src/core/db/service-state/monitor-checkpoint.js";
import { relaysToSync } from "../../../src/core/db/service-state/sync-cursor.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import {
  AUTHOR,
  explain,
  fillExplainDatabase,
  indexesUsed,
  planValues,
  rowsReadFrom,
  rowsReadThrough,
  statementsOf,
} from "./explain-support.js";
import { fakeEvent } from "./helpers.js";

/**
 * Every read that the services and the API make (docs/database.md, "Reads and their
 * indexes"), EXPLAINed on a filled and analysed database: each must use the index named for
 * it, and every index of the big tables must be named by some read.
 */
const READS: { name: string; sql: string; params: unknown[]; index: string }[] = [];
const read = (name: string, index: string, sql: string, params: unknown[] = []) =>
  READS.push({ name, sql, params, index });

read("event by id", "event_pkey", "SELECT * FROM event WHERE id = decode($1, 'hex')", ["ID0"]);
read(
  "events newest first, keyset on (created_at, id)",
  "event_created_at_idx",
  `SELECT id FROM event WHERE (created_at, id) < ($1, decode($2, 'hex'))
   ORDER BY created_at DESC, id DESC LIMIT 50`,
  [1_700_050_000, "ff".repeat(32)],
);
read(
  "events of an author in a time range",
  "event_pubkey_created_at_idx",
  `SELECT id FROM event WHERE pubkey = decode($1, 'hex') AND created_at BETWEEN $2 AND $3
   ORDER BY created_at DESC, id DESC LIMIT 50`,
  [AUTHOR, 1_700_000_000, 1_700_100_000],
);
read(
  "events of an author and kind (replaceable lookups)",
  "event_pubkey_kind_created_at_idx",
  `SELECT id FROM event WHERE pubkey = decode($1, 'hex') AND kind = $2
   ORDER BY created_at DESC, id DESC LIMIT 50`,
  [AUTHOR, 0],
);
read(
  "events of a kind in a time range",
  "event_kind_created_at_idx",
  `SELECT id FROM event WHERE kind = $1 AND created_at <= $2
   ORDER BY created_at DESC, id DESC LIMIT 50`,
  [1984, 1_700_090_000],
);
read(
  "events with a tag, newest first (the ordered tag index)",
  "event_tag_pkey",
  `SELECT event_id FROM event_tag WHERE tag = hashtextextended($1, 0)
   ORDER BY created_at DESC, event_id DESC LIMIT 50`,
  ["t:rare"],
);
read(
  "relays an event was seen on",
  "event_relay_pkey",
  "SELECT relay_id, seen_at FROM event_relay WHERE event_id = decode($1, 'hex')",
  ["ID1"],
);
const RELAY_EVENTS = `SELECT e.id FROM event e
   WHERE EXISTS (SELECT 1 FROM event_relay er WHERE er.event_id = e.id
                 AND er.relay_id = $1)
     AND (e.created_at, e.id) < ($2, decode($3, 'hex'))
   ORDER BY e.created_at DESC, e.id DESC LIMIT 50`;
// The relay's id is looked up first (relay_url_key): with the id as a constant the planner
// knows from the statistics how many sightings the relay has, and picks the path.
read("events of a small relay, newest first", "event_relay_relay_idx", RELAY_EVENTS, [
  "RELAY:wss://tiny.example",
  1_700_099_000,
  "ff".repeat(32),
]);
read(
  "events of a large relay, newest first (time index, then sightings)",
  "event_relay_pkey",
  RELAY_EVENTS,
  ["RELAY:wss://big.example", 1_700_099_000, "ff".repeat(32)],
);
read(
  "sightings of one relay (relay delete cascade)",
  "event_relay_relay_idx",
  "SELECT event_id FROM event_relay WHERE relay_id = (SELECT id FROM relay WHERE url = $1)",
  ["wss://r3.example"],
);
read(
  "latest check of one type of a relay",
  "relay_metadata_latest_idx",
  `SELECT metadata_id FROM relay_metadata WHERE relay_id = $1 AND metadata_type = $2
   ORDER BY generated_at DESC LIMIT 1`,
  [3, "nip66_rtt"],
);
read(
  "history of one relay",
  "relay_metadata_pkey",
  `SELECT generated_at, metadata_type, metadata_id FROM relay_metadata
   WHERE relay_id = $1 AND generated_at >= $2 ORDER BY generated_at`,
  [3, 1_700_000_000 + 900 * 3600],
);
read(
  "documents still referenced (orphan metadata cleanup, delete cascade)",
  "relay_metadata_metadata_idx",
  "SELECT 1 FROM relay_metadata WHERE metadata_id = $1 AND metadata_type = 'nip66_rtt'",
  [Buffer.alloc(32, 1)],
);
read("relay by URL", "relay_url_key", "SELECT id FROM relay WHERE url = $1", ["wss://r3.example"]);
// The statistics walk (core/db/statistics): what the newest transactions stored.
read(
  "sightings stored in a range of transactions (statistics)",
  "event_relay_stored_xid_idx",
  `SELECT event_id, relay_id FROM event_relay
   WHERE stored_xid >= $1::text::xid8 AND stored_xid < $2::text::xid8`,
  ["XID:event_relay", "XID:end"],
);
read(
  "check snapshots stored in a range of transactions (statistics)",
  "relay_metadata_stored_xid_idx",
  `SELECT DISTINCT relay_id FROM relay_metadata
   WHERE stored_xid >= $1::text::xid8 AND stored_xid < $2::text::xid8`,
  ["XID:relay_metadata", "XID:end"],
);

/** A storing transaction near the newest (set once the database is filled). */
const recent = { xid: "0" };
/** The newest storing transaction of each table, and one above every transaction. */
const newest = new Map<string, string>();

interface Call {
  name: string;
  index: string;
  call: (db: Db) => Promise<unknown>;
  /**
   * Batch probes by id: a nested loop of one pruned index probe per id, whatever the
   * statistics. `id = ANY($1)` passes the index check here (this database is vacuumed, so
   * index-only scans look cheap) but scanned every partition in bench:sync's fresh archive.
   */
  perIdProbe?: boolean;
  /** Most rows the statement may read through `index` (EXPLAIN ANALYZE). */
  readsAtMost?: number;
}

/**
 * findEvents: each page in one index's order, reading about a page of rows from it however
 * many events match (`readsAtMost`, checked with EXPLAIN ANALYZE): the prolific author, kind 1
 * and the topic t3 each have 600 to 2,400 events here; a plan that collects and sorts every
 * match reads all of them. Named statements are checked in their generic plan.
 */
const author = fakeEvent(AUTHOR).pubkey;
const PAGES: Call[] = [
  {
    name: "API: newest events (findEvents, no filter)",
    index: "event_created_at_idx",
    readsAtMost: 50 + 16,
    call: (db) => findEvents(db, {}, { limit: 50 }),
  },
  {
    name: "API: events by id (findEvents ids: one pruned probe per id)",
    index: "event_pkey",
    readsAtMost: 3,
    call: (db) =>
      findEvents(db, { ids: ["x5", "x6", "nothing"].map((s) => fakeEvent(s).id) }, { limit: 50 }),
  },
  {
    name: "API: events of an author, next page (findEvents authors + cursor)",
    index: "event_pubkey_created_at_idx",
    readsAtMost: 50 + 16 * 2,
    call: (db) =>
      findEvents(
        db,
        { authors: [author] },
        { before: { createdAt: 1_700_090_000, id: "ff".repeat(32) }, limit: 50 },
      ),
  },
  {
    name: "API: events of two authors (findEvents authors, one index walk each)",
    index: "event_pubkey_created_at_idx",
    readsAtMost: 2 * (50 + 16 * 2),
    call: (db) => findEvents(db, { authors: [author, fakeEvent("pk:8").pubkey] }, { limit: 50 }),
  },
  {
    name: "API: replaceable events of an author (findEvents authors + kinds)",
    index: "event_pubkey_kind_created_at_idx",
    readsAtMost: 2 * (10 + 16 * 2),
    call: (db) => findEvents(db, { authors: [author], kinds: [0, 3] }, { limit: 10 }),
  },
  {
    name: "API: events of a frequent kind (findEvents kinds)",
    index: "event_kind_created_at_idx",
    readsAtMost: 50 + 16 * 2,
    call: (db) => findEvents(db, { kinds: [1] }, { limit: 50 }),
  },
  {
    name: "API: events of a rare kind (findEvents kinds)",
    index: "event_kind_created_at_idx",
    readsAtMost: 50 + 16 * 2,
    call: (db) => findEvents(db, { kinds: [1984] }, { limit: 50 }),
  },
  {
    name: "API: events with a frequent tag (findEvents #t)",
    index: "event_tag_pkey",
    readsAtMost: 50,
    call: (db) => findEvents(db, { tags: [{ name: "t", values: ["t3"] }] }, { limit: 50 }),
  },
  {
    name: "API: events with a tag, kind and another tag (findEvents #t, kinds, #p)",
    index: "event_tag_pkey",
    readsAtMost: 600,
    call: (db) =>
      findEvents(
        db,
        {
          kinds: [1],
          tags: [
            { name: "t", values: ["t5", "rare"] },
            { name: "p", values: [fakeEvent("p5").pubkey] },
          ],
        },
        { limit: 20 },
      ),
  },
];

/**
 * `bigbrotr relay`'s REQ (reqEvents): each filter in one index's order, reading about `limit`
 * rows from it however many events match, as the API's pages (named statements: generic plans).
 */
const RELAY_REQS: Call[] = [
  {
    name: "relay: REQ without a condition (reqEvents)",
    index: "event_created_at_idx",
    readsAtMost: 50 + 16,
    call: (db) => reqEvents(db, {}, 50),
  },
  {
    name: "relay: REQ by ids (reqEvents ids: one pruned probe per id)",
    index: "event_pkey",
    readsAtMost: 3,
    call: (db) => reqEvents(db, { ids: ["x5", "x6", "nothing"].map((s) => fakeEvent(s).id) }, 50),
  },
  {
    name: "relay: REQ of an author before a time (reqEvents authors, until)",
    index: "event_pubkey_created_at_idx",
    readsAtMost: 50 + 16 * 2,
    call: (db) => reqEvents(db, { authors: [author], until: 1_700_090_000 }, 50),
  },
  {
    name: "relay: REQ of an author's kinds (reqEvents authors + kinds)",
    index: "event_pubkey_kind_created_at_idx",
    readsAtMost: 2 * (10 + 16 * 2),
    call: (db) => reqEvents(db, { authors: [author], kinds: [0, 3] }, 10),
  },
  {
    name: "relay: REQ of a frequent kind (reqEvents kinds)",
    index: "event_kind_created_at_idx",
    readsAtMost: 50 + 16 * 2,
    call: (db) => reqEvents(db, { kinds: [1] }, 50),
  },
  {
    name: "relay: REQ of a frequent tag and a kind (reqEvents #t, kinds)",
    index: "event_tag_pkey",
    readsAtMost: 600,
    call: (db) => reqEvents(db, { "#t": ["t3"], kinds: [1] }, 50),
  },
];

/** Reads of core/db, EXPLAINed with the very statements the functions send. */
const CALLS: Call[] = [
  {
    name: "synchronizer: which of a page's ids are archived (storedEventIds, 500 ids)",
    index: "event_pkey",
    perIdProbe: true,
    call: (db) =>
      storedEventIds(
        db,
        Array.from({ length: 500 }, (_, i) => fakeEvent(`x${i * 7}`).id),
      ),
  },
  {
    name: "finder: events stored after its cursor (scanEvents)",
    index: "event_stored_xid_idx",
    call: (db) =>
      scanEvents(db, {
        // A cursor near the end of the walk, as the finder's is once caught up.
        after: { xid: recent.xid, id: "00".repeat(32) },
        limit: 500,
        kinds: null,
        maxContentBytes: 65_536,
      }),
  },
  {
    name: "synchronizer: relays to sync, newest NIP-11 and readable RTT check (relaysToSync)",
    index: "relay_metadata_latest_idx",
    call: (db) =>
      relaysToSync(db, {
        networks: ["clearnet"],
        requireReadable: true,
        checkedSince: 1_700_000_000 + 990 * 3600,
      }),
  },
  {
    name: "status: the monitor's coverage from each relay's newest RTT check (readMonitorStatus)",
    index: "relay_metadata_latest_idx",
    // The capturing handle answers no rows, which `one` refuses after the statement is sent.
    call: (db) =>
      readMonitorStatus(db, { now: 1_700_000_000 + 999 * 3600, recentWithin: 3600 }).catch(
        () => undefined,
      ),
  },
  {
    name: "API: latest checks of relays (latestRelayMetadata)",
    index: "relay_metadata_latest_idx",
    call: (db) => latestRelayMetadata(db, ["wss://r3.example", "wss://r4.example"]),
  },
  {
    name: "API: the relay table with newest checks and uptime (readRelaySummaries)",
    index: "relay_metadata_latest_idx",
    call: (db) => readRelaySummaries(db, 1_700_000_000 + 999 * 3600),
  },
  {
    name: "API: the relay table's uptime windows, each relay's days of the rollup (readRelaySummaries)",
    index: "relay_uptime_pkey",
    call: (db) => readRelaySummaries(db, 1_700_000_000 + 999 * 3600),
  },
  {
    name: "API: one relay's RTT series (readRttHistory)",
    index: "relay_metadata_latest_idx",
    call: (db) =>
      readRttHistory(db, "wss://r3.example", {
        since: 1_700_000_000 + 900 * 3600,
        until: 1_700_000_000 + 950 * 3600,
        limit: 500,
      }),
  },
  ...PAGES,
  ...RELAY_REQS,
];

describe("reads and their indexes", () => {
  let db: TestDatabase;
  const ids: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    ids.push(...(await fillExplainDatabase(db)));
    const { rows } = await db.pool.query(
      "SELECT stored_xid::text AS xid FROM event ORDER BY stored_xid DESC OFFSET 3 LIMIT 1",
    );
    recent.xid = rows[0].xid;
    for (const table of ["event_relay", "relay_metadata"]) {
      const max = await db.pool.query(`SELECT max(stored_xid)::text AS x FROM ${table}`);
      newest.set(`XID:${table}`, max.rows[0].x);
    }
    newest.set("XID:end", "999999999999");
  }, 120_000);
  afterAll(async () => {
    await db.drop();
  });

  it.each(READS.map((r) => [r.name, r] as const))("%s", async (_name, r) => {
    const relayId = async (url: string) =>
      (await db.pool.query("SELECT id FROM relay WHERE url = $1", [url])).rows[0]?.id;
    const params = await Promise.all(
      r.params.map(async (p) =>
        p === "ID0"
          ? ids[0]
          : p === "ID1"
            ? ids[1]
            : p === AUTHOR
              ? fakeEvent(AUTHOR).pubkey
              : typeof p === "string" && p.startsWith("RELAY:")
                ? relayId(p.slice(6))
                : typeof p === "string" && p.startsWith("XID:")
                  ? newest.get(p)
                  : p,
      ),
    );
    const { rows } = await db.pool.query(`EXPLAIN (FORMAT JSON) ${r.sql}`, params);
    const used = await indexesUsed(db, rows[0]["QUERY PLAN"]);
    expect([...used], JSON.stringify(rows[0]["QUERY PLAN"]).slice(0, 800)).toContain(r.index);
  });

  it.each(CALLS.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const statements = await statementsOf(c.call);
    expect(statements).toHaveLength(1);
    const [sent] = statements as [(typeof statements)[0]];
    const plan = await explain(db, sent);
    const shown = JSON.stringify(plan).slice(0, 800);
    expect([...(await indexesUsed(db, plan))], shown).toContain(c.index);
    if (c.perIdProbe) {
      expect(planValues(plan, "Node Type")[0]).toBe("Nested Loop");
      expect(planValues(plan, "Node Type")).not.toContain("Seq Scan");
    }
    if (c.readsAtMost !== undefined) {
      expect(planValues(plan, "Node Type"), shown).not.toContain("Seq Scan");
      // Each event's relays: its sightings, then each relay by its key, whatever join the
      // statistics favour (at 2,000 relays a hash join read the relay table for every event).
      const settings = "SET enable_nestloop = off";
      const noLoops = await explain(db, sent, { analyze: true, settings });
      expect(rowsReadFrom(noLoops, "relay"), JSON.stringify(noLoops)).toBeLessThanOrEqual(50 * 6);
      const run = await explain(db, sent, { analyze: true });
      const read = await rowsReadThrough(db, run, c.index);
      expect(read, JSON.stringify(run).slice(0, 1500)).toBeGreaterThan(0);
      expect(read, JSON.stringify(run).slice(0, 1500)).toBeLessThanOrEqual(c.readsAtMost);
    }
  });

  it("plans each page statement once per connection (generic plans after the first runs)", async () => {
    const client = await db.pool.connect();
    try {
      for (let i = 0; i < 8; i++) for (const c of PAGES) await c.call(client);
      const { rows } = await client.query<{ name: string; generic_plans: number }>(
        "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name",
      );
      expect(rows.map((r) => r.name)).toHaveLength(6);
      expect(
        rows.filter((r) => r.generic_plans === 0),
        JSON.stringify(rows),
      ).toEqual([]);
    } finally {
      client.release(true);
    }
  });

  it("keeps no index of the big tables that no read needs", async () => {
    const { rows } = await db.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       WHERE t.relname IN ('event', 'event_relay', 'event_tag', 'relay', 'relay_metadata',
         'relay_uptime')
       ORDER BY 1`,
    );
    const needed = new Set([...READS, ...CALLS].map((r) => r.index));
    // relay_pkey: the relay id every sighting and snapshot refers to.
    needed.add("relay_pkey");
    // relay_network_idx: relays of a network (status, the API's filters).
    needed.add("relay_network_idx");
    expect(rows.map((r) => r.name).sort()).toEqual([...needed].sort());
  });
});
