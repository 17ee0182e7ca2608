import { escapeIdentifier } from "pg";
import { NETWORKS } from "../../../models/network.js";
import type { Db } from "../pool.js";
import { countCandidates } from "../service-state/candidates.js";
import { any, one } from "../sql.js";

export interface NetworkCounts {
  network: string;
  candidates: number;
  relays: number;
  /** Relays with at least one check snapshot. */
  monitored: number;
}

export interface ArchiveOverview {
  profile: string;
  schemaVersion: number;
  networks: NetworkCounts[];
  events: number;
  /** False when `events` is the planner's estimate. */
  eventsExact: boolean;
  eventRelays: number;
  metadata: number;
}

type CountedTable = "event" | "event_relay" | "metadata";

/** Exact count below a million rows, the planner's estimate above (a full count is slow). */
async function countRows(db: Db, table: CountedTable): Promise<{ n: number; exact: boolean }> {
  const estimate = await one<{ n: number }>(
    db,
    `SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint AS n FROM pg_class c
     WHERE c.oid = $1::regclass
        OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass)`,
    [table],
  );
  if (estimate.n > 1_000_000) return { n: estimate.n, exact: false };
  const exact = await one<{ n: number }>(
    db,
    `SELECT count(*)::bigint AS n FROM ${escapeIdentifier(table)}`,
  );
  return { n: exact.n, exact: true };
}

const NETWORK_COUNTS = `
  SELECT n.network,
    (SELECT count(*)::int FROM relay r WHERE r.network = n.network) AS relays,
    (SELECT count(DISTINCT rm.relay_id)::int FROM relay_metadata rm
       JOIN relay r ON r.id = rm.relay_id WHERE r.network = n.network) AS monitored
  FROM unnest($1::text[]) WITH ORDINALITY AS n(network, i)
  ORDER BY n.i`;

/** What `bigbrotr status` shows: profile, schema version, counts per network and table. */
export async function readOverview(db: Db): Promise<ArchiveOverview> {
  const settings = await any<{ key: string; value: string }>(
    db,
    "SELECT key, value FROM brotr_settings",
  );
  const version = await one<{ v: number }>(
    db,
    "SELECT coalesce(max(version), 0) AS v FROM schema_migrations",
  );
  const candidates = await countCandidates(db);
  const counts = await any<Omit<NetworkCounts, "candidates">>(db, NETWORK_COUNTS, [NETWORKS]);
  const networks = counts.map((c) => ({ ...c, candidates: candidates.get(c.network) ?? 0 }));
  const events = await countRows(db, "event");
  const eventRelays = await countRows(db, "event_relay");
  const metadata = await countRows(db, "metadata");
  return {
    profile: settings.find((r) => r.key === "profile")?.value ?? "unknown",
    schemaVersion: version.v,
    networks,
    events: events.n,
    eventsExact: events.exact,
    eventRelays: eventRelays.n,
    metadata: metadata.n,
  };
}
