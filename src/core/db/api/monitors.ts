/**
 * Other NIP-66 monitors as the API shows them: each monitor's profile and measured
 * reliability, and one relay's verdicts by monitor beside the consensus. Reads of the tables
 * owned by core/db/peer-verdicts.ts and core/db/peer-consensus.ts.
 */
import type { Db } from "../pool.js";
import { any, maybeOne } from "../sql.js";

export interface MonitorProfile {
  pubkey: string;
  announcedAt: number | null;
  frequency: number | null;
  checks: string[];
  timeouts: unknown;
  networks: string[];
  geohash: string | null;
  lastVerdictAt: number | null;
  relays: number;
  rejected: number;
  consensusAgreement: number | null;
  ourAgreement: number | null;
  freshness: number | null;
  reliability: number | null;
  scoredAt: number | null;
}

interface ProfileRow {
  pubkey: string;
  announced_at: string | null;
  frequency: number | null;
  checks: string[];
  timeouts: unknown;
  networks: string[];
  geohash: string | null;
  last_verdict_at: string | null;
  relays: number;
  rejected: number;
  consensus_agreement: number | null;
  our_agreement: number | null;
  freshness: number | null;
  reliability: number | null;
  scored_at: string | null;
}

const num = (v: string | null) => (v === null ? null : Number(v));

function toProfile(r: ProfileRow): MonitorProfile {
  return {
    pubkey: r.pubkey,
    announcedAt: num(r.announced_at),
    frequency: r.frequency,
    checks: r.checks,
    timeouts: r.timeouts,
    networks: r.networks,
    geohash: r.geohash,
    lastVerdictAt: num(r.last_verdict_at),
    relays: r.relays,
    rejected: r.rejected,
    consensusAgreement: r.consensus_agreement,
    ourAgreement: r.our_agreement,
    freshness: r.freshness,
    reliability: r.reliability,
    scoredAt: num(r.scored_at),
  };
}

/** Every monitor seen, most reliable first (unscored last). */
export async function readMonitorProfiles(db: Db): Promise<MonitorProfile[]> {
  const rows = await any<ProfileRow>(
    db,
    `SELECT encode(monitor, 'hex') AS pubkey, announced_at, frequency, checks, timeouts,
            networks, geohash, last_verdict_at, relays, rejected, consensus_agreement,
            our_agreement, freshness, reliability, scored_at
     FROM peer_monitor
     ORDER BY reliability DESC NULLS LAST, monitor`,
  );
  return rows.map(toProfile);
}

export interface MonitorVerdict {
  pubkey: string;
  seenAt: number;
  rtt: { open: number | null; read: number | null; write: number | null };
  network: string | null;
  nips: number[];
  requirements: Record<string, boolean>;
  types: string[];
  geohash: string | null;
  reliability: number | null;
  frequency: number | null;
  outlier: boolean;
}

export interface RelayConsensusDetail {
  state: "up" | "down" | "unknown";
  monitors: number;
  monitorsUp: number;
  upWeight: number;
  downWeight: number;
  medianRttOpen: number | null;
  ourState: "up" | "down" | null;
  disagreement: "false_offline" | "false_online" | null;
  recheckedAt: number | null;
  computedAt: number;
}

/** One relay's consensus row, null when no monitor covers it. */
export async function readRelayConsensus(
  db: Db,
  url: string,
): Promise<(RelayConsensusDetail & { outliers: string[] }) | null> {
  const row = await maybeOne<Record<string, unknown>>(
    db,
    `SELECT state, monitors, monitors_up, up_weight, down_weight, median_rtt_open, our_state,
            disagreement, rechecked_at, computed_at,
            ARRAY(SELECT encode(o, 'hex') FROM unnest(outliers) o) AS outliers
     FROM peer_consensus WHERE relay_url = $1`,
    [url],
  );
  if (row === null) return null;
  return {
    state: row.state as RelayConsensusDetail["state"],
    monitors: row.monitors as number,
    monitorsUp: row.monitors_up as number,
    upWeight: row.up_weight as number,
    downWeight: row.down_weight as number,
    medianRttOpen: row.median_rtt_open as number | null,
    ourState: row.our_state as RelayConsensusDetail["ourState"],
    disagreement: row.disagreement as RelayConsensusDetail["disagreement"],
    recheckedAt: num(row.rechecked_at as string | null),
    computedAt: Number(row.computed_at),
    outliers: row.outliers as string[],
  };
}

/** Each monitor's newest verdict on `url`, most reliable monitor first. */
export async function readRelayVerdicts(
  db: Db,
  url: string,
  outliers: readonly string[],
): Promise<MonitorVerdict[]> {
  const rows = await any<Record<string, unknown>>(
    db,
    `SELECT encode(v.monitor, 'hex') AS pubkey, v.seen_at, v.rtt_open, v.rtt_read, v.rtt_write,
            v.network, v.nips, v.requirements, v.types, v.geohash, m.reliability, m.frequency
     FROM (SELECT DISTINCT ON (monitor) * FROM peer_verdict WHERE relay_url = $1
           ORDER BY monitor, seen_at DESC) v
     LEFT JOIN peer_monitor m ON m.monitor = v.monitor
     ORDER BY m.reliability DESC NULLS LAST, v.monitor`,
    [url],
  );
  const flagged = new Set(outliers);
  return rows.map((r) => ({
    pubkey: r.pubkey as string,
    seenAt: Number(r.seen_at),
    rtt: {
      open: r.rtt_open as number | null,
      read: r.rtt_read as number | null,
      write: r.rtt_write as number | null,
    },
    network: r.network as string | null,
    nips: r.nips as number[],
    requirements: r.requirements as Record<string, boolean>,
    types: r.types as string[],
    geohash: r.geohash as string | null,
    reliability: r.reliability as number | null,
    frequency: r.frequency as number | null,
    outlier: flagged.has(r.pubkey as string),
  }));
}
