import type { Db } from "../pool.js";
import { exec } from "../sql.js";
import { ADDED_SPAN, addAllCounts, counterTable, eventCounter } from "./counters.js";

/**
 * The statistics of events (not of where they were seen), from stats_d_event: sets per kind
 * and per day with a count per pubkey, their rollups, the pubkey dictionary's counts, events
 * per hour, the totals and the newest replaceable and addressable events.
 */

// created_at within years 1970..9999 has a UTC day.
const DAYS = "created_at BETWEEN 0 AND 253402300799";

const KIND_PUBKEY = eventCounter("stats_kind_pubkey", ["kind", "pubkey_id"], "stats_d_event");
const DAY_PUBKEY = eventCounter(
  "stats_day_pubkey",
  [["day", "(created_at / 86400)::integer"], "pubkey_id"],
  "stats_d_event",
  { where: DAYS },
);
const PUBKEY = counterTable(
  "stats_pubkey",
  ["id"],
  ["event_count", "unique_kinds"],
  `SELECT d.pubkey_id AS id, d.event_count, coalesce(k.kinds, 0) AS unique_kinds, d.lo, d.hi
    FROM (SELECT pubkey_id, sum(sign)::bigint AS event_count, ${ADDED_SPAN}
          FROM stats_d_event GROUP BY 1) d
    LEFT JOIN (SELECT pubkey_id, sum(change)::bigint AS kinds FROM stats_c_kind_pubkey GROUP BY 1) k
      USING (pubkey_id)`,
  {
    span: ["first_event_at", "last_event_at"],
    dictionary: true,
  },
);
const KIND = counterTable(
  "stats_kind",
  ["kind"],
  ["event_count", "unique_pubkeys"],
  `SELECT d.kind, d.event_count, coalesce(p.pubkeys, 0) AS unique_pubkeys
    FROM (SELECT kind, sum(sign)::bigint AS event_count FROM stats_d_event GROUP BY 1) d
    LEFT JOIN (SELECT kind, sum(change)::bigint AS pubkeys FROM stats_c_kind_pubkey GROUP BY 1) p
      USING (kind)`,
);
const DAY = counterTable(
  "stats_day",
  ["day"],
  ["event_count", "unique_pubkeys"],
  `SELECT d.day, d.event_count, coalesce(p.pubkeys, 0) AS unique_pubkeys
    FROM (SELECT (created_at / 86400)::integer AS day, sum(sign)::bigint AS event_count
          FROM stats_d_event WHERE ${DAYS} GROUP BY 1) d
    LEFT JOIN (SELECT day, sum(change)::bigint AS pubkeys FROM stats_c_day_pubkey GROUP BY 1) p
      USING (day)`,
);
const HOUR = eventCounter("stats_hour", [["hour", "created_at / 3600"]], "stats_d_event");

const TOTALS = `
  UPDATE stats_event SET
    unique_pubkeys = unique_pubkeys + (SELECT coalesce(sum(change), 0) FROM stats_c_pubkey),
    earliest_created_at = least(earliest_created_at,
      (SELECT min(created_at) FROM stats_d_event WHERE sign > 0)),
    latest_created_at = greatest(latest_created_at,
      (SELECT max(created_at) FROM stats_d_event WHERE sign > 0))`;

// NIP-01: the newest created_at wins, ties to the lowest id.
const NEWER = `excluded.created_at > t.created_at
  OR (excluded.created_at = t.created_at AND excluded.id < t.id)`;
const LATEST_ADDED = `
  INSERT INTO events_replaceable_latest AS t (id, pubkey, kind, created_at)
  SELECT DISTINCT ON (pubkey, kind) id, pubkey, kind, created_at FROM stats_d_event
  WHERE sign > 0 AND event_kind_class(kind) = 'replaceable'
  ORDER BY pubkey, kind, created_at DESC, id
  ON CONFLICT (pubkey, kind) DO UPDATE SET id = excluded.id, created_at = excluded.created_at
  WHERE ${NEWER};
  INSERT INTO events_addressable_latest AS t (id, pubkey, kind, d_tag, created_at)
  SELECT DISTINCT ON (pubkey, kind, d_tag) id, pubkey, kind, d_tag, created_at FROM stats_d_event
  WHERE sign > 0 AND d_tag IS NOT NULL
  ORDER BY pubkey, kind, d_tag, created_at DESC, id
  ON CONFLICT (pubkey, kind, d_tag) DO UPDATE SET id = excluded.id, created_at = excluded.created_at
  WHERE ${NEWER}`;

/** Adds the staged event changes to every event summary. */
export async function applyEventChanges(db: Db, subtract: boolean): Promise<void> {
  await addAllCounts(db, [KIND_PUBKEY, DAY_PUBKEY, PUBKEY, KIND, DAY, HOUR], subtract);
  await exec(db, TOTALS);
  if (!subtract) await exec(db, LATEST_ADDED);
}

// After deletions ($1 = watermark, xid8 text): what only the remaining counted events can say.
// A first/last time is looked up again only where a deleted event held it.
const PUBKEY_SPANS = `
  UPDATE stats_pubkey p SET
    first_event_at = CASE WHEN p.event_count > 0 THEN (SELECT min(e.created_at) FROM event e
      WHERE e.pubkey = p.pubkey AND e.stored_xid < $1::text::xid8) END,
    last_event_at = CASE WHEN p.event_count > 0 THEN (SELECT max(e.created_at) FROM event e
      WHERE e.pubkey = p.pubkey AND e.stored_xid < $1::text::xid8) END
  FROM (SELECT pubkey_id, min(created_at) AS lo, max(created_at) AS hi FROM stats_d_event
        WHERE sign < 0 GROUP BY 1) g
  WHERE p.id = g.pubkey_id
    AND (p.event_count = 0 OR g.lo <= p.first_event_at OR g.hi >= p.last_event_at)`;

const EXTREMES = `
  UPDATE stats_event s SET
    earliest_created_at = (SELECT min(created_at) FROM event WHERE stored_xid < $1::text::xid8),
    latest_created_at = (SELECT max(created_at) FROM event WHERE stored_xid < $1::text::xid8)
  WHERE EXISTS (SELECT 1 FROM stats_d_event d WHERE d.sign < 0
    AND (d.created_at <= s.earliest_created_at OR d.created_at >= s.latest_created_at))`;

const LATEST_GONE = `
  CREATE TEMP TABLE stats_c_latest (pubkey bytea, kind integer, d_tag text) ON COMMIT DROP;
  WITH r AS (
    DELETE FROM events_replaceable_latest l USING stats_d_event d
    WHERE d.sign < 0 AND l.id = d.id RETURNING l.pubkey, l.kind, NULL::text AS d_tag
  ), a AS (
    DELETE FROM events_addressable_latest l USING stats_d_event d
    WHERE d.sign < 0 AND l.id = d.id RETURNING l.pubkey, l.kind, l.d_tag
  )
  INSERT INTO stats_c_latest SELECT * FROM r UNION ALL SELECT * FROM a`;

// The newest remaining counted event of each (pubkey, kind[, d_tag]) whose newest was deleted.
const LATEST_AGAIN = `
  INSERT INTO events_replaceable_latest (id, pubkey, kind, created_at)
  SELECT e.id, c.pubkey, c.kind, e.created_at FROM stats_c_latest c
  CROSS JOIN LATERAL (
    SELECT e.id, e.created_at FROM event e
    WHERE e.pubkey = c.pubkey AND e.kind = c.kind AND e.stored_xid < $1::text::xid8
    ORDER BY e.created_at DESC, e.id LIMIT 1
  ) e
  WHERE c.d_tag IS NULL`;
const ADDRESSABLE_AGAIN = `
  INSERT INTO events_addressable_latest (id, pubkey, kind, d_tag, created_at)
  SELECT e.id, c.pubkey, c.kind, c.d_tag, e.created_at FROM stats_c_latest c
  CROSS JOIN LATERAL (
    SELECT e.id, e.created_at FROM event e
    WHERE e.pubkey = c.pubkey AND e.kind = c.kind AND e.stored_xid < $1::text::xid8
      AND event_d_tag(e.tags, e.tagvalues) = c.d_tag
    ORDER BY e.created_at DESC, e.id LIMIT 1
  ) e
  WHERE c.d_tag IS NOT NULL`;

/** After subtracting deleted events: first/last times and newest events looked up again. */
export async function repairEventExtremes(db: Db, watermark: string): Promise<void> {
  await exec(db, PUBKEY_SPANS, [watermark]);
  await exec(db, EXTREMES, [watermark]);
  await exec(db, LATEST_GONE);
  await exec(db, LATEST_AGAIN, [watermark]);
  await exec(db, ADDRESSABLE_AGAIN, [watermark]);
}
