/**
 * Every statistic counted again from scratch, in plain SQL over the archive tables, written
 * independently of src/core/db/statistics (the definitions of the materialized views that the
 * summary tables replaced, on today's schema). `mismatchedStatistics` names those that differ
 * from their recount (no test runner needed: benchmarks use it too); statistics-exact.ts is
 * the tests' assertion.
 */
import type pg from "pg";

/** The reader-facing statistics (docs/database.md, "Statistics"). */
export const STATISTICS = [
  "relay_metadata_latest",
  "event_stats",
  "relay_stats",
  "kind_counts",
  "kind_counts_by_relay",
  "pubkey_counts",
  "pubkey_counts_by_relay",
  "network_stats",
  "event_daily_counts",
  "events_replaceable_latest",
  "events_addressable_latest",
  "relay_software_counts",
  "supported_nip_counts",
] as const;
export type StatisticName = (typeof STATISTICS)[number];

const CLASS = `CASE
    WHEN kind IN (1, 2) OR kind BETWEEN 4 AND 44 OR kind BETWEEN 1000 AND 9999 THEN 'regular'
    WHEN kind IN (0, 3) OR kind BETWEEN 10000 AND 19999 THEN 'replaceable'
    WHEN kind BETWEEN 20000 AND 29999 THEN 'ephemeral'
    WHEN kind BETWEEN 30000 AND 39999 THEN 'addressable'
    ELSE 'other' END`;

const byClass = (c: string) => `count(*) FILTER (WHERE ${CLASS} = '${c}') AS ${c}_count`;
const inWindow = (w: number, name: string) =>
  `count(*) FILTER (WHERE created_at BETWEEN $1::bigint - ${w} AND $1::bigint) AS ${name}`;

const LATEST_DOC = `
  SELECT DISTINCT ON (rm.relay_id, rm.metadata_type) rm.relay_id, rm.metadata_type,
    rm.generated_at, rm.metadata_id, m.data
  FROM relay_metadata rm JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
  ORDER BY rm.relay_id, rm.metadata_type, rm.generated_at DESC`;

const SIGHTED = "event_relay er JOIN event e ON e.id = er.event_id";

const D_TAG = {
  bigbrotr: `(SELECT CASE WHEN octet_length(t ->> 1) <= 1024 THEN t ->> 1 END
    FROM jsonb_array_elements(e.tags) WITH ORDINALITY AS x(t, i)
    WHERE t ->> 0 = 'd' ORDER BY i LIMIT 1)`,
  lilbrotr: `(SELECT min(substr(v, 3) COLLATE "C") FROM unnest(e.tagvalues) AS v
    WHERE left(v, 2) = 'd:')`,
};

const RTT = (f: string) => `round(avg(CASE WHEN jsonb_typeof(d -> '${f}') = 'number'
  THEN (d ->> '${f}')::numeric END), 2)::double precision AS avg_${f}`;

/** $1 = event_stats.refreshed_at, the clock of the rolling windows. */
function recounts(profile: "bigbrotr" | "lilbrotr"): Record<StatisticName, string> {
  return {
    relay_metadata_latest: `SELECT r.url AS relay_url, l.metadata_type, l.generated_at,
        l.metadata_id, l.data, l.relay_id FROM (${LATEST_DOC}) l JOIN relay r ON r.id = l.relay_id`,
    event_stats: `SELECT 1 AS singleton_key, $1::bigint AS refreshed_at, s.*,
        round(s.count_30d / 30.0, 2)::double precision AS events_per_day
      FROM (SELECT count(*) AS event_count, count(DISTINCT pubkey) AS unique_pubkeys,
          count(DISTINCT kind) AS unique_kinds, min(created_at) AS earliest_created_at,
          max(created_at) AS latest_created_at, ${byClass("regular")}, ${byClass("replaceable")},
          ${byClass("ephemeral")}, ${byClass("addressable")}, ${byClass("other")},
          ${inWindow(3600, "count_1h")}, ${inWindow(86400, "count_24h")},
          ${inWindow(604800, "count_7d")}, ${inWindow(2592000, "count_30d")}
        FROM event) s`,
    relay_stats: `WITH ev AS (
        SELECT er.relay_id, count(*) AS n, count(DISTINCT e.pubkey) AS p, count(DISTINCT e.kind) AS k,
          min(e.created_at) AS lo, max(e.created_at) AS hi FROM ${SIGHTED} GROUP BY 1
      ), rtt AS (
        SELECT relay_id, ${RTT("rtt_open")}, ${RTT("rtt_read")}, ${RTT("rtt_write")}
        FROM (SELECT rm.relay_id, m.data -> 'data' AS d,
                row_number() OVER (PARTITION BY rm.relay_id ORDER BY rm.generated_at DESC) AS n
              FROM relay_metadata rm
              JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
              WHERE rm.metadata_type = 'nip66_rtt') s
        WHERE n <= 10 GROUP BY relay_id
      ), nip11 AS (
        SELECT relay_id, data -> 'data' AS d FROM (${LATEST_DOC}) l
        WHERE metadata_type = 'nip11_info'
      )
      SELECT r.url AS relay_url, r.network, r.discovered_at, coalesce(ev.n, 0) AS event_count,
        coalesce(ev.p, 0) AS unique_pubkeys, coalesce(ev.k, 0) AS unique_kinds,
        ev.lo AS first_event_at, ev.hi AS last_event_at, rtt.avg_rtt_open, rtt.avg_rtt_read,
        rtt.avg_rtt_write, n.d ->> 'name' AS nip11_name,
        nullif(btrim(n.d ->> 'software'), '') AS nip11_software,
        nullif(btrim(n.d ->> 'version'), '') AS nip11_version
      FROM relay r LEFT JOIN ev ON ev.relay_id = r.id LEFT JOIN rtt ON rtt.relay_id = r.id
      LEFT JOIN nip11 n ON n.relay_id = r.id`,
    kind_counts: `SELECT kind, count(*) AS event_count, count(DISTINCT pubkey) AS unique_pubkeys,
        ${CLASS} AS category FROM event GROUP BY kind`,
    kind_counts_by_relay: `SELECT e.kind, r.url AS relay_url, count(*) AS event_count,
        count(DISTINCT e.pubkey) AS unique_pubkeys
      FROM ${SIGHTED} JOIN relay r ON r.id = er.relay_id GROUP BY e.kind, r.url`,
    pubkey_counts: `SELECT encode(pubkey, 'hex') AS pubkey, count(*) AS event_count,
        count(DISTINCT kind) AS unique_kinds, min(created_at) AS first_event_at,
        max(created_at) AS last_event_at FROM event GROUP BY event.pubkey`,
    pubkey_counts_by_relay: `SELECT encode(e.pubkey, 'hex') AS pubkey, r.url AS relay_url,
        count(*) AS event_count, count(DISTINCT e.kind) AS unique_kinds,
        min(e.created_at) AS first_event_at, max(e.created_at) AS last_event_at
      FROM ${SIGHTED} JOIN relay r ON r.id = er.relay_id
      GROUP BY e.pubkey, r.url HAVING count(*) >= 2`,
    network_stats: `SELECT r.network, r.relay_count, coalesce(e.n, 0) AS event_count,
        coalesce(e.p, 0) AS unique_pubkeys, coalesce(e.k, 0) AS unique_kinds
      FROM (SELECT network, count(*) AS relay_count FROM relay GROUP BY network) r
      LEFT JOIN (
        SELECT ne.network, count(*) AS n, count(DISTINCT e.pubkey) AS p, count(DISTINCT e.kind) AS k
        FROM (SELECT DISTINCT r.network, er.event_id FROM event_relay er
              JOIN relay r ON r.id = er.relay_id) ne
        JOIN event e ON e.id = ne.event_id GROUP BY ne.network
      ) e ON e.network = r.network`,
    event_daily_counts: `SELECT date '1970-01-01' + (created_at / 86400)::integer AS day,
        count(*) AS event_count, count(DISTINCT pubkey) AS unique_pubkeys
      FROM event WHERE created_at BETWEEN 0 AND 253402300799 GROUP BY 1`,
    events_replaceable_latest: `SELECT DISTINCT ON (pubkey, kind) id, pubkey, kind, created_at
      FROM event WHERE kind IN (0, 3) OR kind BETWEEN 10000 AND 19999
      ORDER BY pubkey, kind, created_at DESC, id`,
    events_addressable_latest: `SELECT DISTINCT ON (pubkey, kind, d_tag) id, pubkey, kind,
        d_tag, created_at
      FROM (SELECT e.id, e.pubkey, e.kind, e.created_at, coalesce(${D_TAG[profile]}, '') AS d_tag
            FROM event e WHERE e.kind BETWEEN 30000 AND 39999) s
      ORDER BY pubkey, kind, d_tag, created_at DESC, id`,
    relay_software_counts: `SELECT software, version, count(*) AS relay_count FROM (
        SELECT left(nullif(btrim(data -> 'data' ->> 'software'), ''), 256) AS software,
          left(coalesce(nullif(btrim(data -> 'data' ->> 'version'), ''), 'unknown'), 256) AS version
        FROM (${LATEST_DOC}) l WHERE metadata_type = 'nip11_info') s
      WHERE software IS NOT NULL GROUP BY software, version`,
    supported_nip_counts: `SELECT nip, count(DISTINCT relay_id) AS relay_count FROM (
        SELECT l.relay_id, CASE WHEN jsonb_typeof(x) IN ('number', 'string')
            AND x #>> '{}' ~ '^[0-9]{1,9}$' THEN (x #>> '{}')::integer END AS nip
        FROM (${LATEST_DOC}) l
        CROSS JOIN LATERAL jsonb_array_elements(
          CASE WHEN jsonb_typeof(l.data -> 'data' -> 'supported_nips') = 'array'
            THEN l.data -> 'data' -> 'supported_nips' ELSE '[]'::jsonb END) AS x
        WHERE l.metadata_type = 'nip11_info') s
      WHERE nip IS NOT NULL GROUP BY nip`,
  };
}

/** Rows as JSON with their columns in name order, sorted: comparable whatever the SQL order. */
const sorted = (rows: Record<string, unknown>[]) =>
  rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort()))).sort();

/** The rows of a statistic as the readers see them and as the recount finds them. */
export async function statisticAndRecount(
  db: Pick<pg.Pool, "query">,
  name: StatisticName,
  profile: "bigbrotr" | "lilbrotr",
): Promise<{ actual: string[]; expected: string[] }> {
  const actual = (await db.query(`SELECT * FROM ${name}`)).rows;
  const stats = (await db.query("SELECT refreshed_at FROM stats_event")).rows[0];
  const sql = recounts(profile)[name];
  const params = sql.includes("$1") ? [stats?.refreshed_at ?? null] : [];
  const recount = (await db.query(sql, params)).rows;
  // event_stats has no row before the first refresh; the recount always has one.
  const expected = name === "event_stats" && actual.length === 0 ? [] : recount;
  return { actual: sorted(actual), expected: sorted(expected) };
}

/** The statistics whose rows differ from their recount (none when all are exact). */
export async function mismatchedStatistics(
  db: Pick<pg.Pool, "query">,
  profile: "bigbrotr" | "lilbrotr" = "bigbrotr",
): Promise<StatisticName[]> {
  const wrong: StatisticName[] = [];
  for (const name of STATISTICS) {
    const { actual, expected } = await statisticAndRecount(db, name, profile);
    // Row by row: one string of a 10M-event archive's pubkey rows passes V8's string limit.
    const same = actual.length === expected.length && actual.every((r, i) => r === expected[i]);
    if (!same) wrong.push(name);
  }
  return wrong;
}
