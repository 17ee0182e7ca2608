import type { Db } from "../../core/db/pool.js";

export interface NetworkCounts {
  network: string;
  candidates: number;
  relays: number;
  monitored: number;
}

export interface ArchiveOverview {
  profile: string;
  schemaVersion: number;
  networks: NetworkCounts[];
  events: number;
  eventsExact: boolean;
  eventRelays: number;
  metadata: number;
}

/** Exact count below a million rows, the planner's estimate above (a full count is slow). */
async function countRows(db: Db, table: "event" | "event_relay" | "metadata") {
  const est = await db.query<{ n: number }>(
    `SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint AS n FROM pg_class c
     WHERE c.oid = $1::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass)`,
    [table],
  );
  const estimate = est.rows[0]?.n ?? 0;
  if (estimate > 1_000_000) return { n: estimate, exact: false };
  const exact = await db.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${table}`);
  return { n: exact.rows[0]?.n ?? 0, exact: true };
}

export async function readOverview(db: Db): Promise<ArchiveOverview> {
  const settings = await db.query<{ key: string; value: string }>(
    "SELECT key, value FROM brotr_settings",
  );
  const version = await db.query<{ v: number }>(
    "SELECT coalesce(max(version), 0) AS v FROM schema_migrations",
  );
  const networks = await db.query<NetworkCounts>(
    `WITH n(network) AS (VALUES ('clearnet'), ('tor'), ('i2p'), ('loki'))
     SELECT n.network,
       (SELECT count(*)::int FROM service_state s WHERE s.state_type = 'candidate'
          AND s.service_name = 'validator' AND s.state_value ->> 'network' = n.network) AS candidates,
       (SELECT count(*)::int FROM relay r WHERE r.network = n.network) AS relays,
       (SELECT count(DISTINCT rm.relay_id)::int FROM relay_metadata rm JOIN relay r ON r.id = rm.relay_id
          WHERE r.network = n.network) AS monitored
     FROM n`,
  );
  const events = await countRows(db, "event");
  const eventRelays = await countRows(db, "event_relay");
  const metadata = await countRows(db, "metadata");
  const profile = settings.rows.find((r) => r.key === "profile")?.value ?? "unknown";
  return {
    profile,
    schemaVersion: version.rows[0]?.v ?? 0,
    networks: networks.rows,
    events: events.n,
    eventsExact: events.exact,
    eventRelays: eventRelays.n,
    metadata: metadata.n,
  };
}
