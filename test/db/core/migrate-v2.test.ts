import { afterEach, describe, expect, it } from "vitest";
import { migrate, type Profile } from "../../../src/core/db/migrate.js";
import { refreshStatistics } from "../../../src/core/db/statistics/refresh.js";
import { createEmptyDatabase, type TestDatabase } from "../../support/pg.js";
import { expectStatisticsExact } from "../../support/statistics-exact.js";
import { STATISTICS } from "../../support/statistics-recount.js";
import { hex } from "./helpers.js";

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

const RELAYS = [
  ["wss://a.example", "clearnet", 300],
  ["wss://b.example", "clearnet", 100],
  ["ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion", "tor", 200],
  ["wss://idle.example", "clearnet", 50],
] as const;

/** Fills a database at schema version 4 through the v1 tables, as v1 code wrote them. */
async function fillV1(pool: TestDatabase["pool"], profile: Profile): Promise<void> {
  for (const [url, network, at] of RELAYS) {
    await pool.query("INSERT INTO relay (url, network, discovered_at) VALUES ($1, $2, $3)", [
      url,
      network,
      at,
    ]);
  }
  const lil = profile === "lilbrotr";
  for (let i = 0; i < 60; i++) {
    const tags = [["t", `tag${i % 4}`], ...(i % 5 === 0 ? [["d", `slug${i % 3}`]] : [])];
    await pool.query(
      `INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig)
       VALUES (decode($1, 'hex'), decode($2, 'hex'), $3, $4, tags_to_tagvalues($5::jsonb),
               CASE WHEN $6 THEN NULL ELSE $5::jsonb END, CASE WHEN $6 THEN NULL ELSE $7 END,
               CASE WHEN $6 THEN NULL ELSE decode($8, 'hex') END)`,
      [
        hex(`e${i}`),
        hex(`pk${i % 7}`),
        1_700_000_000 + i * 3600,
        [1, 7, 0, 30023, 10002][i % 5],
        JSON.stringify(tags),
        lil,
        `note ${i}`,
        hex(`sig${i}`, 64),
      ],
    );
    // Each event on 1-3 relays, never on the idle one; event 59 on none (an orphan).
    for (let k = 0; k < (i === 59 ? 0 : 1 + (i % 3)); k++) {
      await pool.query(
        "INSERT INTO event_relay (event_id, relay_url, seen_at) VALUES (decode($1, 'hex'), $2, $3)",
        [hex(`e${i}`), RELAYS[(i + k) % 3]?.[0], 1_700_000_500 + i * 3600 + k * 7],
      );
    }
  }
  for (const [r, [url]] of RELAYS.entries()) {
    for (const gen of [1000, 2000]) {
      const doc = JSON.stringify({ data: { name: `relay ${r}`, supported_nips: [1, 11, r] } });
      const id = hex(`doc${r}${gen}`);
      await pool.query(
        "INSERT INTO metadata (id, type, data) VALUES (decode($1, 'hex'), 'nip11_info', $2::jsonb)",
        [id, doc],
      );
      await pool.query(
        `INSERT INTO relay_metadata (relay_url, metadata_id, metadata_type, generated_at)
         VALUES ($1, decode($2, 'hex'), 'nip11_info', $3)`,
        [url, id, gen + r],
      );
    }
  }
  await pool.query(
    `INSERT INTO service_state (service_name, state_type, state_key, state_value)
     VALUES ('finder', 'cursor', 'events', '{"timestamp": 5, "id": ""}'),
            ('validator', 'candidate', 'wss://c.example', '{"network": "clearnet", "failures": 2}')`,
  );
}

async function rowsOf(pool: TestDatabase["pool"], sql: string): Promise<string[]> {
  const { rows } = await pool.query(sql);
  return rows.map((r) => JSON.stringify(r)).sort();
}

const SIGHTINGS_V1 = `SELECT encode(event_id, 'hex') AS e, relay_url AS r, seen_at AS s FROM event_relay`;
const SIGHTINGS_V2 = `SELECT encode(er.event_id, 'hex') AS e, r.url AS r, er.seen_at AS s
  FROM event_relay er JOIN relay r ON r.id = er.relay_id`;
const HISTORY_V1 = `SELECT relay_url AS r, metadata_type AS t, generated_at AS g,
  encode(metadata_id, 'hex') AS m FROM relay_metadata`;
const HISTORY_V2 = `SELECT r.url AS r, rm.metadata_type AS t, rm.generated_at AS g,
  encode(rm.metadata_id, 'hex') AS m FROM relay_metadata rm JOIN relay r ON r.id = rm.relay_id`;
const SAME = [
  "SELECT url, network, discovered_at FROM relay",
  "SELECT encode(id, 'hex') AS id, encode(pubkey, 'hex') AS p, created_at, kind, tagvalues, tags, content, encode(sig, 'hex') AS sig FROM event",
  "SELECT encode(id, 'hex') AS id, type, data FROM metadata",
  "SELECT service_name, state_type, state_key, state_value FROM service_state",
];

/** Every statistic's rows, restricted to the columns it had in v1. */
async function views(pool: TestDatabase["pool"], columns?: Map<string, string[]>) {
  const out = new Map<string, string[]>();
  for (const name of STATISTICS) {
    const cols = columns?.get(name);
    out.set(name, await rowsOf(pool, `SELECT ${cols ? cols.join(", ") : "*"} FROM ${name}`));
  }
  return out;
}

async function viewColumns(pool: TestDatabase["pool"]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  for (const name of STATISTICS) {
    const { fields } = await pool.query(`SELECT * FROM ${name} LIMIT 0`);
    map.set(
      name,
      fields.map((f) => f.name).filter((n) => n !== "refreshed_at"),
    );
  }
  return map;
}

describe.each(["bigbrotr", "lilbrotr"] as const)(
  "000005 on a filled v1 database (%s)",
  (profile) => {
    it("converts it in place: every row and every statistic survives", async () => {
      db = await createEmptyDatabase();
      await migrate(db.pool, { profile, partitions: 3, until: 4 });
      await fillV1(db.pool, profile);
      for (const name of STATISTICS) await db.pool.query(`REFRESH MATERIALIZED VIEW ${name}`);
      const columns = await viewColumns(db.pool);
      const before = {
        same: await Promise.all(SAME.map((q) => rowsOf(db!.pool, q))),
        sightings: await rowsOf(db.pool, SIGHTINGS_V1),
        history: await rowsOf(db.pool, HISTORY_V1),
        views: await views(db.pool, columns),
      };
      expect(before.sightings.length).toBe(117);

      const result = await migrate(db.pool, { profile, partitions: 3 });
      expect(result.applied[0]).toBe(5); // and whatever came after it

      expect(await Promise.all(SAME.map((q) => rowsOf(db!.pool, q)))).toEqual(before.same);
      expect(await rowsOf(db.pool, SIGHTINGS_V2)).toEqual(before.sightings);
      expect(await rowsOf(db.pool, HISTORY_V2)).toEqual(before.history);
      // The summary tables of 000008 (filled by it) show what the views of v1 showed.
      await refreshStatistics(db.pool);
      const after = await views(db.pool, columns);
      for (const name of STATISTICS) expect(after.get(name), name).toEqual(before.views.get(name));
      // Relays are numbered in discovery order.
      const ids = await db.pool.query<{ url: string }>("SELECT url FROM relay ORDER BY id");
      expect(ids.rows.map((r) => r.url)).toEqual(
        [...RELAYS].sort((a, b) => a[2] - b[2]).map((r) => r[0]),
      );
      // Every event of the v1 archive is stored by the migration's one transaction.
      const { rows } = await db.pool.query(
        "SELECT count(DISTINCT stored_xid)::int AS n, count(*)::int AS events FROM event",
      );
      expect(rows[0]).toEqual({ n: 1, events: 60 });
      await expectStatisticsExact(db.pool, profile);
    });
  },
);
