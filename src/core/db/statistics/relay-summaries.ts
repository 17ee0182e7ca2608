import type { Db } from "../pool.js";
import { exec } from "../sql.js";
import { ADDED_SPAN, addAllCounts, counterTable } from "./counters.js";

/**
 * The statistics of sightings, from stats_d_sighting: per relay the set of (pubkey, kind)
 * with a count each and its rollups by pubkey, by kind and per relay; per network the set of
 * events with the number of the network's relays carrying each, and its pubkeys and kinds.
 */

/** Sum of a changes table's column by some keys, as `name`. */
const changed = (table: string, keys: string, name: string) =>
  `(SELECT ${keys}, sum(change)::bigint AS ${name} FROM ${table} GROUP BY ${keys})`;

const RELAY_PUBKEY_KIND = counterTable(
  "stats_relay_pubkey_kind",
  ["relay_id", "pubkey_id", "kind"],
  ["event_count"],
  `SELECT relay_id, pubkey_id, kind, sum(sign)::bigint AS event_count
    FROM stats_d_sighting GROUP BY 1, 2, 3`,
);
const RELAY_PUBKEY = counterTable(
  "stats_relay_pubkey",
  ["relay_id", "pubkey_id"],
  ["event_count", "unique_kinds"],
  `SELECT d.relay_id, d.pubkey_id, d.event_count,
      coalesce(k.kinds, 0) AS unique_kinds, d.lo, d.hi
    FROM (SELECT relay_id, pubkey_id, sum(sign)::bigint AS event_count, ${ADDED_SPAN}
          FROM stats_d_sighting GROUP BY 1, 2) d
    LEFT JOIN ${changed("stats_c_relay_pubkey_kind", "relay_id, pubkey_id", "kinds")} k
      USING (relay_id, pubkey_id)`,
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
const NETWORK_EVENT = counterTable(
  "stats_network_event",
  ["event_id", "network"],
  ["relay_count"],
  `SELECT event_id, network, pubkey_id, kind, sum(sign)::bigint AS relay_count
    FROM stats_d_sighting GROUP BY 1, 2, 3, 4`,
  { carry: ["pubkey_id", "kind"] },
);
const NETWORK_PUBKEY = counterTable(
  "stats_network_pubkey",
  ["network", "pubkey_id"],
  ["event_count"],
  `SELECT network, pubkey_id, sum(change)::bigint AS event_count
    FROM stats_c_network_event GROUP BY 1, 2`,
);
const NETWORK_KIND = counterTable(
  "stats_network_kind",
  ["network", "kind"],
  ["event_count"],
  `SELECT network, kind, sum(change)::bigint AS event_count
    FROM stats_c_network_event GROUP BY 1, 2`,
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

/** Adds the staged sighting changes to every relay and network summary. */
export async function applySightingChanges(db: Db, subtract: boolean): Promise<void> {
  await addAllCounts(
    db,
    [
      RELAY_PUBKEY_KIND,
      RELAY_PUBKEY,
      RELAY_KIND,
      RELAY,
      NETWORK_EVENT,
      NETWORK_PUBKEY,
      NETWORK_KIND,
      NETWORK,
    ],
    subtract,
  );
}

// After deletions ($1 = watermark, xid8 text), the first/last times a deleted sighting held:
// a pair's from its pubkey's counted events seen on the relay, then a relay's from its pairs.
const PAIR_TIME = (order: "ASC" | "DESC") => `(
  SELECT e.created_at FROM event e
  WHERE e.pubkey = p.pubkey AND EXISTS (SELECT 1 FROM event_relay er
    WHERE er.event_id = e.id AND er.relay_id = s.relay_id AND er.stored_xid < $1::text::xid8)
  ORDER BY e.created_at ${order} LIMIT 1)`;
const PAIR_SPANS = `
  UPDATE stats_relay_pubkey s SET first_event_at = ${PAIR_TIME("ASC")},
    last_event_at = ${PAIR_TIME("DESC")}
  FROM (SELECT relay_id, pubkey_id, min(created_at) AS lo, max(created_at) AS hi
        FROM stats_d_sighting WHERE sign < 0 GROUP BY 1, 2) g, stats_pubkey p
  WHERE s.relay_id = g.relay_id AND s.pubkey_id = g.pubkey_id AND p.id = s.pubkey_id
    AND (g.lo <= s.first_event_at OR g.hi >= s.last_event_at)`;
const RELAY_SPANS = `
  UPDATE stats_relay s SET
    first_event_at = (SELECT min(first_event_at) FROM stats_relay_pubkey rp
      WHERE rp.relay_id = s.relay_id),
    last_event_at = (SELECT max(last_event_at) FROM stats_relay_pubkey rp
      WHERE rp.relay_id = s.relay_id)
  FROM (SELECT relay_id, min(created_at) AS lo, max(created_at) AS hi FROM stats_d_sighting
        WHERE sign < 0 GROUP BY 1) g
  WHERE s.relay_id = g.relay_id AND (g.lo <= s.first_event_at OR g.hi >= s.last_event_at)`;

/** After subtracting deleted sightings: the first/last times they held, looked up again. */
export async function repairSightingExtremes(db: Db, watermark: string): Promise<void> {
  await exec(db, PAIR_SPANS, [watermark]);
  await exec(db, RELAY_SPANS);
}
