/**
 * The relay table as the API, the explorer and the DVM's relay query show it: every relay
 * with its newest RTT, NIP-11, geo and net checks, its uptime over 24 h / 7 d / 30 d and its
 * archived event count, in one statement. Each newest check is relay_latest_check (migration 000007: one probe of
 * relay_metadata_latest_idx (relay_id, metadata_type, generated_at DESC)); the uptime windows
 * come from the daily rollup relay_uptime (relay-uptime.ts). "Up" at a check is relay_up (a
 * numeric rtt_open, the monitor's contract). Event counts come from stats_relay, as of the refresher's last
 * cycle.
 */
import type { Network } from "../../../models/network.js";
import type { Db } from "../pool.js";
import { any } from "../sql.js";
import { COVERAGE_SUMMARY_SQL, type CoverageSummary } from "./relay-coverage.js";
import { uptimeLateral, uptimeParams } from "./relay-uptime.js";

export interface UptimeWindows {
  /** Fraction of the checks in the window that found the relay up; null when none ran. */
  "24h": number | null;
  "7d": number | null;
  "30d": number | null;
}

export interface RelaySummary {
  url: string;
  network: Network;
  discoveredAt: number;
  /** When the newest RTT check ran (unix seconds), null when never. */
  checkedAt: number | null;
  /** What the newest RTT check found (null when never checked). */
  upAtCheck: boolean | null;
  rttOpen: number | null;
  rttRead: number | null;
  rttWrite: number | null;
  /** The newest check could write an event. */
  writable: boolean | null;
  name: string | null;
  software: string | null;
  version: string | null;
  /** Integer NIPs of the newest NIP-11 document, ascending, without repeats. */
  nips: number[];
  authRequired: boolean | null;
  paymentRequired: boolean | null;
  restrictedWrites: boolean | null;
  /** ISO 3166-1 alpha-2 of the newest geo check. */
  country: string | null;
  lat: number | null;
  lon: number | null;
  asn: number | null;
  asnOrg: string | null;
  uptime: UptimeWindows;
  /** Events archived as seen on this relay (stats_relay, as of the refresher's last cycle). */
  events: number;
  /** What other monitors say (peer_consensus, the monitor's last peers phase); null: none. */
  consensus: ConsensusSummary | null;
  /** How much of it we hold, by its newest measurement (relay_coverage); null: never measured. */
  coverage: CoverageSummary | null;
}

export interface ConsensusSummary {
  state: "up" | "down" | "unknown";
  monitors: number;
  monitorsUp: number;
  medianRttOpen: number | null;
  disagreement: "false_offline" | "false_online" | null;
}

interface Row {
  url: string;
  network: Network;
  discovered_at: number;
  checked_at: number | null;
  up_at_check: boolean;
  rtt: Record<string, unknown> | null;
  nip11: Record<string, unknown> | null;
  geo: Record<string, unknown> | null;
  net: Record<string, unknown> | null;
  checks_24h: number;
  up_24h: number;
  checks_7d: number;
  up_7d: number;
  checks_30d: number;
  up_30d: number;
  events: number;
  consensus: ConsensusSummary | null;
  coverage: CoverageSummary | null;
}

const latest = (alias: string, type: string) => `
  LEFT JOIN LATERAL relay_latest_check(r.id, '${type}') ${alias} ON true`;

// $1 = now (unix seconds), $2 = only this relay (NULL = all), $3..$5 = uptimeParams(now).
const SUMMARY = `
  SELECT r.url, r.network, r.discovered_at,
    rtt.generated_at AS checked_at, relay_up(rtt.data) AS up_at_check, rtt.data -> 'data' AS rtt,
    nip11.data -> 'data' AS nip11, geo.data -> 'data' AS geo, net.data -> 'data' AS net,
    coalesce(u.checks_24h, 0) AS checks_24h, coalesce(u.up_24h, 0) AS up_24h,
    coalesce(u.checks_7d, 0) AS checks_7d, coalesce(u.up_7d, 0) AS up_7d,
    coalesce(u.checks_30d, 0) AS checks_30d, coalesce(u.up_30d, 0) AS up_30d,
    coalesce((SELECT s.event_count FROM stats_relay s WHERE s.relay_id = r.id), 0) AS events,
    (SELECT json_build_object('state', pc.state, 'monitors', pc.monitors,
                              'monitorsUp', pc.monitors_up, 'medianRttOpen', pc.median_rtt_open,
                              'disagreement', pc.disagreement)
     FROM peer_consensus pc WHERE pc.relay_url = r.url) AS consensus,
    ${COVERAGE_SUMMARY_SQL} AS coverage
  FROM relay r
  ${latest("rtt", "nip66_rtt")}
  ${latest("nip11", "nip11_info")}
  ${latest("geo", "nip66_geo")}
  ${latest("net", "nip66_net")}
  ${uptimeLateral({ now: "$1::bigint", day: "$3::int", hour: "$4::int", offset: "$5::bigint" })}
  WHERE $2::text IS NULL OR r.url = $2::text
  ORDER BY r.url COLLATE "C"`;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const int = (v: unknown): number | null => (Number.isSafeInteger(v) ? (v as number) : null);
const str = (v: unknown, max = 256): string | null =>
  typeof v === "string" && v.trim() !== "" ? v.trim().slice(0, max) : null;
const bool = (v: unknown): boolean | null => (typeof v === "boolean" ? v : null);
const ratio = (up: number, checks: number) => (checks > 0 ? up / checks : null);

/** supported_nips entries that are integers 0..999999999 (numbers or digit strings). */
export function parseNips(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  const out = new Set<number>();
  for (const v of value) {
    const n = typeof v === "string" && /^[0-9]{1,9}$/.test(v) ? Number(v) : v;
    if (Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) < 1e9) out.add(n as number);
  }
  return [...out].sort((a, b) => a - b);
}

function toSummary(r: Row): RelaySummary {
  const rtt = r.rtt ?? {};
  const n11 = r.nip11 ?? {};
  const limitation = (typeof n11.limitation === "object" && n11.limitation) || {};
  const lim = limitation as Record<string, unknown>;
  const geo = r.geo ?? {};
  const net = r.net ?? {};
  const checked = r.checked_at !== null;
  const country = str(geo.geo_country, 2);
  return {
    url: r.url,
    network: r.network,
    discoveredAt: r.discovered_at,
    checkedAt: r.checked_at,
    upAtCheck: checked ? r.up_at_check : null,
    rttOpen: num(rtt.rtt_open),
    rttRead: num(rtt.rtt_read),
    rttWrite: num(rtt.rtt_write),
    writable: checked ? num(rtt.rtt_write) !== null : null,
    name: str(n11.name),
    software: str(n11.software),
    version: str(n11.version),
    nips: parseNips(n11.supported_nips),
    authRequired: bool(lim.auth_required),
    paymentRequired: bool(lim.payment_required),
    restrictedWrites: bool(lim.restricted_writes),
    country: country?.length === 2 ? country.toUpperCase() : null,
    lat: num(geo.geo_lat),
    lon: num(geo.geo_lon),
    asn: int(net.net_asn),
    asnOrg: str(net.net_asn_org),
    uptime: {
      "24h": ratio(r.up_24h, r.checks_24h),
      "7d": ratio(r.up_7d, r.checks_7d),
      "30d": ratio(r.up_30d, r.checks_30d),
    },
    events: r.events,
    consensus: r.consensus,
    coverage: r.coverage,
  };
}

/** Every relay (or only `url`) in URL order, with uptime windows ending at `now`. */
export async function readRelaySummaries(
  db: Db,
  now: number,
  url?: string,
): Promise<RelaySummary[]> {
  const { day, hour, offset } = uptimeParams(now);
  const rows = await any<Row>(db, SUMMARY, [Math.floor(now), url ?? null, day, hour, offset]);
  return rows.map(toSummary);
}
