/**
 * Other monitors' NIP-66 verdicts (peer_verdict) and their profiles and scores (peer_monitor):
 * the one owner of both tables (db/migrations/000014_monitor_consensus.sql). Written by the
 * monitor's peers phase from archived 30166/10166 events; every row names the pubkey that
 * signed its event (the archive holds only signature-verified events).
 */
import type { Db } from "./pool.js";
import { affected, any, one } from "./sql.js";

/** One monitor's 30166 about one relay: it saw the relay up at `seenAt`. */
export interface PeerVerdict {
  relayUrl: string;
  /** Lower-case hex pubkey of the signer. */
  monitor: string;
  seenAt: number;
  eventId: string;
  rttOpen: number | null;
  rttRead: number | null;
  rttWrite: number | null;
  network: string | null;
  nips: number[];
  requirements: Record<string, boolean>;
  types: string[];
  geohash: string | null;
}

export interface VerdictBounds {
  /** Newest verdicts kept per (relay, monitor). */
  keepPerPair: number;
  /** Distinct relays one monitor may have verdicts for; verdicts on more are refused. */
  maxRelaysPerMonitor: number;
}

export interface InsertVerdictsResult {
  inserted: number;
  /** Refused by the relays-per-monitor cap. */
  capped: number;
  /** Older verdicts dropped past keepPerPair. */
  pruned: number;
}

const INSERT = `
  WITH u AS (
    SELECT u.relay_url, decode(u.monitor, 'hex') AS monitor, u.seen_at,
           decode(u.event_id, 'hex') AS event_id, u.rtt_open, u.rtt_read, u.rtt_write,
           u.network, u.nips, u.requirements, u.types, u.geohash
    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::int[],
                $7::int[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
      AS u(relay_url, monitor, seen_at, event_id, rtt_open, rtt_read, rtt_write, network,
           nips, requirements, types, geohash)),
  fresh AS (
    SELECT DISTINCT u.monitor, u.relay_url FROM u
    WHERE NOT EXISTS (SELECT 1 FROM peer_verdict p
                      WHERE p.monitor = u.monitor AND p.relay_url = u.relay_url)),
  known AS (
    SELECT p.monitor, count(DISTINCT p.relay_url) AS n FROM peer_verdict p
    WHERE p.monitor IN (SELECT monitor FROM fresh) GROUP BY p.monitor),
  ranked AS (
    SELECT f.monitor, f.relay_url,
           row_number() OVER (PARTITION BY f.monitor ORDER BY f.relay_url) AS rn
    FROM fresh f),
  allowed AS (
    SELECT u.* FROM u
    LEFT JOIN ranked r ON r.monitor = u.monitor AND r.relay_url = u.relay_url
    LEFT JOIN known k ON k.monitor = u.monitor
    WHERE r.rn IS NULL OR coalesce(k.n, 0) + r.rn <= $13),
  ins AS (
    INSERT INTO peer_verdict (relay_url, monitor, seen_at, event_id, rtt_open, rtt_read,
                              rtt_write, network, nips, requirements, types, geohash)
    SELECT a.relay_url, a.monitor, a.seen_at, a.event_id, a.rtt_open, a.rtt_read, a.rtt_write,
           a.network, ARRAY(SELECT jsonb_array_elements_text(a.nips::jsonb)::int),
           a.requirements::jsonb, ARRAY(SELECT jsonb_array_elements_text(a.types::jsonb)),
           a.geohash
    FROM allowed a
    ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING
    RETURNING 1)
  SELECT (SELECT count(*)::int FROM ins) AS inserted,
         (SELECT count(*)::int FROM u) - (SELECT count(*)::int FROM allowed) AS capped`;

const PRUNE_PAIRS = `
  DELETE FROM peer_verdict p
  USING (SELECT v.relay_url, v.monitor, v.seen_at,
                row_number() OVER (PARTITION BY v.relay_url, v.monitor
                                   ORDER BY v.seen_at DESC) AS rn
         FROM peer_verdict v
         JOIN unnest($1::text[], $2::text[]) AS t(relay_url, monitor)
           ON v.relay_url = t.relay_url AND v.monitor = decode(t.monitor, 'hex')) x
  WHERE x.rn > $3 AND p.relay_url = x.relay_url AND p.monitor = x.monitor
    AND p.seen_at = x.seen_at`;

function columns(rows: readonly PeerVerdict[]): unknown[] {
  return [
    rows.map((r) => r.relayUrl),
    rows.map((r) => r.monitor),
    rows.map((r) => r.seenAt),
    rows.map((r) => r.eventId),
    rows.map((r) => r.rttOpen),
    rows.map((r) => r.rttRead),
    rows.map((r) => r.rttWrite),
    rows.map((r) => r.network),
    rows.map((r) => JSON.stringify(r.nips)),
    rows.map((r) => JSON.stringify(r.requirements)),
    rows.map((r) => JSON.stringify(r.types)),
    rows.map((r) => r.geohash),
  ];
}

/**
 * Stores verdicts (a repeat is ignored), refusing those that would take a monitor past
 * `maxRelaysPerMonitor` distinct relays, then keeps the newest `keepPerPair` of each pair
 * the batch touched.
 */
export async function insertPeerVerdicts(
  db: Db,
  rows: readonly PeerVerdict[],
  bounds: VerdictBounds,
): Promise<InsertVerdictsResult> {
  if (rows.length === 0) return { inserted: 0, capped: 0, pruned: 0 };
  const counts = await one<{ inserted: number; capped: number }>(db, INSERT, [
    ...columns(rows),
    bounds.maxRelaysPerMonitor,
  ]);
  const pairs = new Map(rows.map((r) => [`${r.relayUrl} ${r.monitor}`, r]));
  const touched = [...pairs.values()];
  const pruned = await affected(db, PRUNE_PAIRS, [
    touched.map((r) => r.relayUrl),
    touched.map((r) => r.monitor),
    bounds.keepPerPair,
  ]);
  return { ...counts, pruned };
}

/** A monitor's 10166 announcement, as stored in its profile. */
export interface PeerAnnouncement {
  monitor: string;
  announcedAt: number;
  frequency: number | null;
  checks: string[];
  timeouts: { ms: number; check?: string }[];
  networks: string[];
  geohash: string | null;
}

/** Keeps each monitor's newest announcement (an older one arriving later changes nothing). */
export async function upsertPeerAnnouncements(
  db: Db,
  rows: readonly PeerAnnouncement[],
): Promise<number> {
  if (rows.length === 0) return 0;
  return affected(
    db,
    `INSERT INTO peer_monitor (monitor, announced_at, frequency, checks, timeouts, networks, geohash)
     SELECT DISTINCT ON (u.monitor) decode(u.monitor, 'hex'), u.at, u.frequency,
            ARRAY(SELECT jsonb_array_elements_text(u.checks::jsonb)), u.timeouts::jsonb,
            ARRAY(SELECT jsonb_array_elements_text(u.networks::jsonb)), u.geohash
     FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::text[],
                 $7::text[]) AS u(monitor, at, frequency, checks, timeouts, networks, geohash)
     ORDER BY u.monitor, u.at DESC
     ON CONFLICT (monitor) DO UPDATE
     SET announced_at = EXCLUDED.announced_at, frequency = EXCLUDED.frequency,
         checks = EXCLUDED.checks, timeouts = EXCLUDED.timeouts, networks = EXCLUDED.networks,
         geohash = EXCLUDED.geohash
     WHERE peer_monitor.announced_at IS NULL
        OR peer_monitor.announced_at < EXCLUDED.announced_at`,
    [
      rows.map((r) => r.monitor),
      rows.map((r) => r.announcedAt),
      rows.map((r) => r.frequency),
      rows.map((r) => JSON.stringify(r.checks)),
      rows.map((r) => JSON.stringify(r.timeouts)),
      rows.map((r) => JSON.stringify(r.networks)),
      rows.map((r) => r.geohash),
    ],
  );
}

/** Adds refused-verdict counts to monitors' profiles (creating a profile when missing). */
export async function addMonitorRejections(db: Db, counts: Map<string, number>): Promise<void> {
  if (counts.size === 0) return;
  await affected(
    db,
    `INSERT INTO peer_monitor (monitor, rejected)
     SELECT decode(u.m, 'hex'), u.n FROM unnest($1::text[], $2::int[]) AS u(m, n) ORDER BY 1
     ON CONFLICT (monitor) DO UPDATE SET rejected = peer_monitor.rejected + EXCLUDED.rejected`,
    [[...counts.keys()], [...counts.values()]],
  );
}

/** Each monitor's newest verdict on each relay, among verdicts seen at or after `since`. */
export interface LatestVote {
  relayUrl: string;
  monitor: string;
  seenAt: number;
  rttOpen: number | null;
}

export async function latestPeerVotes(db: Db, since: number): Promise<LatestVote[]> {
  const rows = await any<{ relay_url: string; monitor: string; seen_at: string; rtt: number }>(
    db,
    // Every column descending: a backward scan of the primary key, no sort.
    `SELECT DISTINCT ON (relay_url, monitor) relay_url, encode(monitor, 'hex') AS monitor,
            seen_at, rtt_open AS rtt
     FROM peer_verdict WHERE seen_at >= $1
     ORDER BY relay_url DESC, monitor DESC, seen_at DESC`,
    [since],
  );
  return rows.map((r) => ({
    relayUrl: r.relay_url,
    monitor: r.monitor,
    seenAt: Number(r.seen_at),
    rttOpen: r.rtt,
  }));
}

/** What the consensus needs of a monitor: how often it checks and how far it is trusted. */
export interface MonitorWeight {
  monitor: string;
  frequency: number | null;
  reliability: number | null;
}

export async function peerMonitorWeights(db: Db): Promise<MonitorWeight[]> {
  const rows = await any<{ monitor: string; frequency: number | null; reliability: number }>(
    db,
    `SELECT encode(monitor, 'hex') AS monitor, frequency, reliability FROM peer_monitor`,
  );
  return rows;
}

/** A monitor's measured scores (0..1; null when there was nothing to measure). */
export interface MonitorScore {
  monitor: string;
  lastVerdictAt: number | null;
  relays: number;
  consensusAgreement: number | null;
  ourAgreement: number | null;
  freshness: number | null;
  reliability: number | null;
}

export async function writeMonitorScores(
  db: Db,
  scores: readonly MonitorScore[],
  at: number,
): Promise<void> {
  if (scores.length === 0) return;
  await affected(
    db,
    `INSERT INTO peer_monitor (monitor, last_verdict_at, relays, consensus_agreement,
                               our_agreement, freshness, reliability, scored_at)
     SELECT decode(u.m, 'hex'), u.last, u.relays, u.ca, u.oa, u.fr, u.rel, $8
     FROM unnest($1::text[], $2::bigint[], $3::int[], $4::real[], $5::real[], $6::real[],
                 $7::real[]) AS u(m, last, relays, ca, oa, fr, rel)
     ORDER BY 1
     ON CONFLICT (monitor) DO UPDATE
     SET last_verdict_at = EXCLUDED.last_verdict_at, relays = EXCLUDED.relays,
         consensus_agreement = EXCLUDED.consensus_agreement,
         our_agreement = EXCLUDED.our_agreement, freshness = EXCLUDED.freshness,
         reliability = EXCLUDED.reliability, scored_at = EXCLUDED.scored_at`,
    [
      scores.map((s) => s.monitor),
      scores.map((s) => s.lastVerdictAt),
      scores.map((s) => s.relays),
      scores.map((s) => s.consensusAgreement),
      scores.map((s) => s.ourAgreement),
      scores.map((s) => s.freshness),
      scores.map((s) => s.reliability),
      at,
    ],
  );
}

/**
 * Retention: drops verdicts seen before `before`, then profiles with no verdict left whose
 * announcement (if any) is older too. Returns the rows deleted.
 */
export async function deleteOldPeerData(db: Db, before: number): Promise<number> {
  const verdicts = await affected(db, `DELETE FROM peer_verdict WHERE seen_at < $1`, [before]);
  const monitors = await affected(
    db,
    `DELETE FROM peer_monitor m
     WHERE coalesce(m.announced_at, 0) < $1
       AND NOT EXISTS (SELECT 1 FROM peer_verdict p WHERE p.monitor = m.monitor)`,
    [before],
  );
  return verdicts + monitors;
}
