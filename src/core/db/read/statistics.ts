/**
 * The network statistics the API serves, from the statistics views (as fresh as their last
 * refresh, which event_stats.refreshed_at tells). A view not yet populated (the refresher has
 * not run) reads as empty instead of failing (SQLSTATE 55000 otherwise).
 */
import type { Db } from "../pool.js";
import { any } from "../sql.js";

export interface Statistics {
  /** event_stats (one row), null before the first refresh. */
  events: Record<string, number | null> | null;
  kinds: { kind: number; events: number; pubkeys: number; category: string }[];
  software: { software: string; version: string; relays: number }[];
  nips: { nip: number; relays: number }[];
  networks: { network: string; relays: number; events: number; pubkeys: number }[];
  /** Newest day first. */
  daily: { day: string; events: number; pubkeys: number }[];
}

export interface StatisticsOptions {
  /** Most kinds and software versions listed (largest first). */
  top: number;
  /** Days of event_daily_counts, ending with the newest. */
  days: number;
}

const VIEWS = [
  "event_stats",
  "kind_counts",
  "relay_software_counts",
  "supported_nip_counts",
  "network_stats",
  "event_daily_counts",
] as const;

const POPULATED = `
  SELECT c.relname AS name FROM pg_class c
  WHERE c.relname = ANY ($1::text[]) AND c.relkind = 'm' AND c.relispopulated
    AND c.relnamespace = current_schema()::regnamespace`;

const QUERIES = {
  event_stats: `SELECT refreshed_at, event_count, unique_pubkeys, unique_kinds, earliest_created_at,
      latest_created_at, count_1h, count_24h, count_7d, count_30d, events_per_day
    FROM event_stats`,
  kind_counts: `SELECT kind, event_count AS events, unique_pubkeys AS pubkeys, category
    FROM kind_counts ORDER BY event_count DESC, kind LIMIT $1`,
  relay_software_counts: `SELECT software, version, relay_count AS relays
    FROM relay_software_counts ORDER BY relay_count DESC, software, version LIMIT $1`,
  supported_nip_counts: "SELECT nip, relay_count AS relays FROM supported_nip_counts ORDER BY nip",
  network_stats: `SELECT network, relay_count AS relays, event_count AS events,
      unique_pubkeys AS pubkeys FROM network_stats ORDER BY network`,
  event_daily_counts: `SELECT to_char(day, 'YYYY-MM-DD') AS day, event_count AS events,
      unique_pubkeys AS pubkeys FROM event_daily_counts ORDER BY day DESC LIMIT $1`,
} as const;

export async function readStatistics(db: Db, options: StatisticsOptions): Promise<Statistics> {
  const populated = new Set(
    (await any<{ name: string }>(db, POPULATED, [VIEWS])).map((r) => r.name),
  );
  const read = <R extends object>(view: (typeof VIEWS)[number], params: unknown[] = []) =>
    populated.has(view) ? any<R>(db, QUERIES[view], params) : Promise.resolve([] as R[]);
  const [events, kinds, software, nips, networks, daily] = await Promise.all([
    read<Record<string, number | null>>("event_stats"),
    read<Statistics["kinds"][number]>("kind_counts", [options.top]),
    read<Statistics["software"][number]>("relay_software_counts", [options.top]),
    read<Statistics["nips"][number]>("supported_nip_counts"),
    read<Statistics["networks"][number]>("network_stats"),
    read<Statistics["daily"][number]>("event_daily_counts", [options.days]),
  ]);
  return { events: events[0] ?? null, kinds, software, nips, networks, daily };
}
