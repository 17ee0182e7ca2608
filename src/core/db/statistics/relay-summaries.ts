import type { Db } from "../pool.js";
import { exec } from "../sql.js";
import { ADDED_SPAN, addAllCounts, counterTable, eventCounter } from "./counters.js";

/**
 * The statistics of sightings, from stats_d_sighting: per relay the set of (pubkey, kind)
 * with a count and first/last time each, its rollups by kind and per relay; per network the
 * pubkeys and kinds of its distinct events. Two memberships are looked up instead of kept,
 * so the cycle writes one row per (relay, pubkey, kind) and none per pubkey pair or event:
 * whether a relay still has a pubkey (its rows in stats_relay_pubkey_kind), and whether an
 * event has a counted sighting on a network (event_relay below the watermark).
 */

/** Sum of a changes table's `change` by some keys, as `name`. */
const changed = (table: string, keys: string, name: string) =>
  `(SELECT ${keys}, sum(change)::bigint AS ${name} FROM ${table} GROUP BY ${keys})`;

const RELAY_PUBKEY_KIND = counterTable(
  "stats_relay_pubkey_kind",
  ["relay_id", "pubkey_id", "kind"],
  ["event_count"],
  `SELECT relay_id, pubkey_id, kind, sum(sign)::bigint AS event_count, ${ADDED_SPAN}
    FROM stats_d_sighting GROUP BY 1, 2, 3`,
  { span: ["first_event_at", "last_event_at"] },
);
const RELAY_KIND = counterTable(
  "stats_relay_kind",
  ["relay_id", "kind"],
  ["event_count", "unique_pubkeys"],
  `SELECT d.relay_id, d.kind, d.event_count, coalesce(p.pubkeys, 0) AS unique_pubkeys
    FROM (SELECT relay_id, kind, sum(sign)::bigint AS event_count
          FROM stats_d_sighting GROUP BY 1, 2) d
    LEFT JOIN ${changed("stats_c_relay_pubkey_kind", "relay_id, kind", "pubkeys")} p
      USING (relay_id, kind)`,
);
const RELAY = counterTable(
  "stats_relay",
  ["relay_id"],
  ["event_count", "unique_pubkeys", "unique_kinds"],
  `SELECT d.relay_id, d.event_count, coalesce(p.pubkeys, 0) AS unique_pubkeys,
      coalesce(k.kinds, 0) AS unique_kinds, d.lo, d.hi
    FROM (SELECT relay_id, sum(sign)::bigint AS event_count, ${ADDED_SPAN}
          FROM stats_d_sighting GROUP BY 1) d
    LEFT JOIN ${changed("stats_c_relay_pubkey", "relay_id", "pubkeys")} p USING (relay_id)
    LEFT JOIN ${changed("stats_c_relay_kind", "relay_id", "kinds")} k USING (relay_id)`,
  { span: ["first_event_at", "last_event_at"] },
);
const NETWORK_PUBKEY = eventCounter(
  "stats_network_pubkey",
  ["network", "pubkey_id"],
  "stats_c_network_event",
  { delta: "change" },
);
const NETWORK_KIND = eventCounter(
  "stats_network_kind",
  ["network", "kind"],
  "stats_c_network_event",
  { delta: "change" },
);
const NETWORK = counterTable(
  "stats_network",
  ["network"],
  ["event_count", "unique_pubkeys", "unique_kinds"],
  `SELECT d.network, d.event_count, coalesce(p.pubkeys, 0) AS unique_pubkeys,
      coalesce(k.kinds, 0) AS unique_kinds
    FROM ${changed("stats_c_network_event", "network", "event_count")} d
    LEFT JOIN ${changed("stats_c_network_pubkey", "network", "pubkeys")} p USING (network)
    LEFT JOIN ${changed("stats_c_network_kind", "network", "kinds")} k USING (network)`,
);

// A pair whose (pubkey, kind) rows changed appeared when all its rows now are new, vanished
// when none is left: one probe of the table's key prefix per such pair, in key order (the
// probes walk the index from left to right) and stopping at the first row that decides: one
// row more than the new ones (adding: it was there before) or any row (subtracting: it stays),
// so a pubkey with many kinds on the relay costs no more than one with few.
const PAIRS = `
  CREATE TEMP TABLE stats_c_relay_pubkey ON COMMIT DROP AS
  SELECT c.relay_id, c.pubkey_id, CASE WHEN n.now = 0 THEN -1 ELSE 1 END AS change
  FROM (SELECT relay_id, pubkey_id, sum(change) AS delta FROM stats_c_relay_pubkey_kind
        GROUP BY 1, 2 ORDER BY 1, 2) c
  CROSS JOIN LATERAL (
    SELECT count(*) AS now FROM (
      SELECT 1 FROM stats_relay_pubkey_kind t
      WHERE t.relay_id = c.relay_id AND t.pubkey_id = c.pubkey_id
      LIMIT greatest(c.delta, 0) + 1) f
  ) n
  WHERE n.now = 0 OR n.now = c.delta`;

// An event enters a network with its first counted sighting there and leaves it with its last.
// A chunk only adds or only subtracts, and takes all the logged deletions of an event at once,
// so the event has a counted sighting on the network besides this chunk's exactly when one is
// stored below the watermark ($1) and still there. A fresh sighting's event had none (see
// changes.ts): only the others are looked up, each one probe of event_relay by event.
const NETWORK_EVENTS = `
  CREATE TEMP TABLE stats_c_network_event ON COMMIT DROP AS
  SELECT DISTINCT event_id, network, pubkey_id, kind, change FROM (
    SELECT event_id, network, pubkey_id, kind, sign AS change FROM stats_d_sighting WHERE fresh
    UNION ALL
    SELECT s.event_id, s.network, s.pubkey_id, s.kind, s.sign FROM stats_d_sighting s
    LEFT JOIN LATERAL (
      SELECT true AS found FROM event_relay er JOIN relay r ON r.id = er.relay_id
      WHERE er.event_id = s.event_id AND er.stored_xid < $1::text::xid8
        AND r.network = s.network
      LIMIT 1
    ) o ON true
    WHERE NOT s.fresh AND o.found IS NULL
  ) n`;

/** Adds the staged sighting changes ($1: the chunk's starting watermark) to the summaries. */
export async function applySightingChanges(
  db: Db,
  watermark: string,
  subtract: boolean,
): Promise<void> {
  await addAllCounts(db, [RELAY_PUBKEY_KIND], subtract);
  await exec(db, PAIRS);
  await addAllCounts(db, [RELAY_KIND, RELAY], subtract);
  await exec(db, NETWORK_EVENTS, [watermark]);
  await addAllCounts(db, [NETWORK_PUBKEY, NETWORK_KIND, NETWORK], subtract);
}

// After deletions ($1 = watermark, xid8 text), the first/last times a deleted sighting held:
// a (relay, pubkey, kind)'s from the pubkey's counted events of the kind seen on the relay,
// then a relay's from its rows.
const KIND_TIME = (order: "ASC" | "DESC") => `(
  SELECT e.created_at FROM event e
  WHERE e.pubkey = p.pubkey AND e.kind = s.kind AND EXISTS (SELECT 1 FROM event_relay er
    WHERE er.event_id = e.id AND er.relay_id = s.relay_id AND er.stored_xid < $1::text::xid8)
  ORDER BY e.created_at ${order} LIMIT 1)`;
const SET_SPANS = `
  UPDATE stats_relay_pubkey_kind s SET first_event_at = ${KIND_TIME("ASC")},
    last_event_at = ${KIND_TIME("DESC")}
  FROM (SELECT relay_id, pubkey_id, kind, min(created_at) AS lo, max(created_at) AS hi
        FROM stats_d_sighting WHERE sign < 0 GROUP BY 1, 2, 3) g, stats_pubkey p
  WHERE s.relay_id = g.relay_id AND s.pubkey_id = g.pubkey_id AND s.kind = g.kind
    AND p.id = s.pubkey_id AND (g.lo <= s.first_event_at OR g.hi >= s.last_event_at)`;
const RELAY_SPANS = `
  UPDATE stats_relay s SET
    first_event_at = (SELECT min(first_event_at) FROM stats_relay_pubkey_kind t
      WHERE t.relay_id = s.relay_id),
    last_event_at = (SELECT max(last_event_at) FROM stats_relay_pubkey_kind t
      WHERE t.relay_id = s.relay_id)
  FROM (SELECT relay_id, min(created_at) AS lo, max(created_at) AS hi FROM stats_d_sighting
        WHERE sign < 0 GROUP BY 1) g
  WHERE s.relay_id = g.relay_id AND (g.lo <= s.first_event_at OR g.hi >= s.last_event_at)`;

/** After subtracting deleted sightings: the first/last times they held, looked up again. */
export async function repairSightingExtremes(db: Db, watermark: string): Promise<void> {
  await exec(db, SET_SPANS, [watermark]);
  await exec(db, RELAY_SPANS);
}
