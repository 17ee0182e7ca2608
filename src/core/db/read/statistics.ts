/**
 * The network statistics the API serves, from the summary tables the refresher keeps
 * (src/core/db/statistics/, through the views of migration 000008): as fresh as its last
 * cycle, which event_stats.refreshed_at tells. Before the first cycle `events` is null.
 */
import type { Db } from "../pool.js";
import { any } from "../sql.js";

export interface Statistics {
  /** event_stats (one row), null before the refresher's first cycle. */
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

const QUERIES = {
  events: `SELECT refreshed_at, event_count, unique_pubkeys, unique_kinds, earliest_created_at,
      latest_created_at, count_1h, count_24h, count_7d, count_30d, events_per_day
    FROM event_stats`,
  kinds: `SELECT kind, event_count AS events, unique_pubkeys AS pubkeys, category
    FROM kind_counts ORDER BY event_count DESC, kind LIMIT $1`,
  software: `SELECT software, version, relay_count AS relays
    FROM relay_software_counts ORDER BY relay_count DESC, software, version LIMIT $1`,
  nips: "SELECT nip, relay_count AS relays FROM supported_nip_counts ORDER BY nip",
  networks: `SELECT network, relay_count AS relays, event_count AS events,
      unique_pubkeys AS pubkeys FROM network_stats ORDER BY network`,
  daily: `SELECT to_char(day, 'YYYY-MM-DD') AS day, event_count AS events,
      unique_pubkeys AS pubkeys FROM event_daily_counts ORDER BY day DESC LIMIT $1`,
} as const;

export async function readStatistics(db: Db, options: StatisticsOptions): Promise<Statistics> {
  const [events, kinds, software, nips, networks, daily] = await Promise.all([
    any<Record<string, number | null>>(db, QUERIES.events),
    any<Statistics["kinds"][number]>(db, QUERIES.kinds, [options.top]),
    any<Statistics["software"][number]>(db, QUERIES.software, [options.top]),
    any<Statistics["nips"][number]>(db, QUERIES.nips),
    any<Statistics["networks"][number]>(db, QUERIES.networks),
    any<Statistics["daily"][number]>(db, QUERIES.daily, [options.days]),
  ]);
  return { events: events[0] ?? null, kinds, software, nips, networks, daily };
}
