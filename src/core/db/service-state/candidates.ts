import type { Network } from "../../../models/network.js";
import type { Db } from "../pool.js";
import { insertRelays, relayIdsByUrl } from "../relays.js";
import { affected, any, countsBy, one } from "../sql.js";
import { transaction } from "../transaction.js";
import { deleteServiceState } from "./rows.js";
import { VALIDATOR } from "./services.js";

/**
 * Candidates are relay URLs waiting for validation. They live in service_state under
 * (service_name 'validator', state_type 'candidate', state_key = canonical URL) with value
 * `{ network, failures, first_seen, last_attempt, next_attempt, reason?, source }`.
 * Seeder and finder add them; the validator promotes or backs them off; status counts them.
 */

export interface NewCandidate {
  url: string;
  network: Network;
  /** Where the URL came from (seed, api, event kind…), kept for diagnostics. */
  source: string;
}

export interface Candidate {
  url: string;
  network: Network;
  failures: number;
  firstSeen: number;
  lastAttempt: number | null;
  nextAttempt: number;
  reason: string | null;
  source: string;
}

/** A service_state row of a candidate, as selected by the queries below. */
export interface CandidateRow {
  url: string;
  value: {
    network?: Network;
    failures?: number;
    first_seen?: number;
    last_attempt?: number | null;
    next_attempt?: number;
    reason?: string;
    source?: string;
  };
  updated_at: number;
}

/** Maps a candidate row to the model; missing fields (older rows) get safe defaults. */
export function toCandidate(row: CandidateRow): Candidate {
  const v = row.value;
  return {
    url: row.url,
    network: v.network ?? "clearnet",
    failures: Number(v.failures ?? 0),
    firstSeen: Number(v.first_seen ?? row.updated_at),
    lastAttempt: v.last_attempt == null ? null : Number(v.last_attempt),
    nextAttempt: Number(v.next_attempt ?? 0),
    reason: v.reason ?? null,
    source: v.source ?? "unknown",
  };
}

const INSERT = `
  WITH input AS (
    SELECT DISTINCT ON (url) url, network, source
    FROM unnest($1::text[], $2::text[], $3::text[]) AS t(url, network, source)
    ORDER BY url
  ), added AS (
    INSERT INTO service_state (service_name, state_type, state_key, state_value, updated_at)
    SELECT $4, 'candidate', i.url,
           jsonb_build_object('network', i.network, 'failures', 0, 'first_seen', $5::bigint,
                              'last_attempt', NULL, 'next_attempt', 0, 'source', i.source),
           $5
    FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM relay r WHERE r.url = i.url)
    ON CONFLICT (service_name, state_type, state_key) DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::int AS n FROM added`;

/**
 * Adds candidates, skipping URLs that are already relays or already candidates (their failure
 * counters are never reset). Duplicates inside the batch are fine. Returns how many were added.
 */
export async function insertCandidates(
  db: Db,
  candidates: readonly NewCandidate[],
  now: number,
): Promise<number> {
  if (candidates.length === 0) return 0;
  const { n } = await one<{ n: number }>(db, INSERT, [
    candidates.map((c) => c.url),
    candidates.map((c) => c.network),
    candidates.map((c) => c.source),
    VALIDATOR,
    now,
  ]);
  return n;
}

/** Which of `urls` are already relays or candidates (to skip them before any work). */
export async function knownUrls(db: Db, urls: readonly string[]): Promise<Set<string>> {
  if (urls.length === 0) return new Set();
  const known = new Set((await relayIdsByUrl(db, urls)).keys());
  const rest = urls.filter((u) => !known.has(u));
  if (rest.length === 0) return known;
  const candidates = await any<{ url: string }>(
    db,
    `SELECT state_key AS url FROM service_state
     WHERE service_name = $1 AND state_type = 'candidate' AND state_key = ANY($2::text[])`,
    [VALIDATOR, rest],
  );
  for (const c of candidates) known.add(c.url);
  return known;
}

/** A candidate that answered as a relay; it becomes one, first seen when it became a candidate. */
export interface Promotion {
  url: string;
  network: Network;
  firstSeen: number;
}

/**
 * Promotes validated candidates atomically (in the caller's transaction, or one of its own):
 * relay rows in (relays.ts), candidate rows out. Returns how many candidates were removed.
 */
export async function promoteCandidates(db: Db, promoted: readonly Promotion[]): Promise<number> {
  if (promoted.length === 0) return 0;
  const relays = promoted.map((p) => ({
    url: p.url,
    network: p.network,
    discoveredAt: p.firstSeen,
  }));
  return transaction(db, async (client) => {
    await insertRelays(client, relays);
    return deleteServiceState(
      client,
      VALIDATOR,
      "candidate",
      promoted.map((p) => p.url),
    );
  });
}

/**
 * Candidates due for a probe: on one of the networks, `next_attempt <= now`, not already a
 * relay. Fewest failures first, then the
 * longest-waiting, so new URLs are never starved by a backlog of dead ones.
 */
export async function fetchDueCandidates(
  db: Db,
  networks: readonly Network[],
  now: number,
  limit: number,
): Promise<Candidate[]> {
  if (networks.length === 0 || limit <= 0) return [];
  const rows = await any<CandidateRow>(
    db,
    `SELECT s.state_key AS url, s.state_value AS value, s.updated_at
     FROM service_state s
     WHERE s.service_name = $1 AND s.state_type = 'candidate'
       AND s.state_value ->> 'network' = ANY($2::text[])
       AND coalesce((s.state_value ->> 'next_attempt')::bigint, 0) <= $3
       AND NOT EXISTS (SELECT 1 FROM relay r WHERE r.url = s.state_key)
     ORDER BY coalesce((s.state_value ->> 'failures')::int, 0),
              coalesce((s.state_value ->> 'last_attempt')::bigint, 0),
              s.state_key
     LIMIT $4`,
    [VALIDATOR, networks, now, limit],
  );
  return rows.map(toCandidate);
}

/** How many candidates are due now, per network (for the gauge and the cycle report). */
export async function countDueCandidates(
  db: Db,
  networks: readonly Network[],
  now: number,
): Promise<Map<Network, number>> {
  return countsBy<Network>(
    db,
    `SELECT s.state_value ->> 'network' AS key, count(*)::int AS n
     FROM service_state s
     WHERE s.service_name = $1 AND s.state_type = 'candidate'
       AND s.state_value ->> 'network' = ANY($2::text[])
       AND coalesce((s.state_value ->> 'next_attempt')::bigint, 0) <= $3
       AND NOT EXISTS (SELECT 1 FROM relay r WHERE r.url = s.state_key)
     GROUP BY 1`,
    [VALIDATOR, networks, now],
  );
}

/** How many candidates wait on each network (due or not), for `bigbrotr status`. */
export async function countCandidates(db: Db): Promise<Map<string, number>> {
  return countsBy(
    db,
    `SELECT s.state_value ->> 'network' AS key, count(*)::int AS n
     FROM service_state s
     WHERE s.service_name = $1 AND s.state_type = 'candidate'
     GROUP BY 1`,
    [VALIDATOR],
  );
}

export interface CandidateFailure {
  url: string;
  /** The new total (previous + 1). */
  failures: number;
  nextAttempt: number;
  reason: string;
}

/** Records failed probes: failure count, attempt times and reason. Other fields are kept. */
export async function recordCandidateFailures(
  db: Db,
  failed: readonly CandidateFailure[],
  now: number,
): Promise<number> {
  if (failed.length === 0) return 0;
  return affected(
    db,
    `UPDATE service_state s
     SET state_value = s.state_value || jsonb_build_object(
           'failures', f.failures, 'last_attempt', $6::bigint,
           'next_attempt', f.next_attempt, 'reason', f.reason),
         updated_at = $6
     FROM unnest($2::text[], $3::int[], $4::bigint[], $5::text[])
          AS f(url, failures, next_attempt, reason)
     WHERE s.service_name = $1 AND s.state_type = 'candidate' AND s.state_key = f.url`,
    [
      VALIDATOR,
      failed.map((f) => f.url),
      failed.map((f) => f.failures),
      failed.map((f) => f.nextAttempt),
      failed.map((f) => f.reason),
      now,
    ],
  );
}

/**
 * Deletes candidates that are already relays and, when `maxFailures` > 0, those that failed
 * `maxFailures` times or more. Returns both counts.
 */
export async function deleteSpentCandidates(
  db: Db,
  maxFailures: number,
): Promise<{ promoted: number; exhausted: number }> {
  return one<{ promoted: number; exhausted: number }>(
    db,
    `WITH gone AS (
       DELETE FROM service_state s
       WHERE s.service_name = $1 AND s.state_type = 'candidate'
         AND (EXISTS (SELECT 1 FROM relay r WHERE r.url = s.state_key)
              OR ($2::int > 0 AND coalesce((s.state_value ->> 'failures')::int, 0) >= $2::int))
       RETURNING EXISTS (SELECT 1 FROM relay r WHERE r.url = s.state_key) AS promoted
     )
     SELECT count(*) FILTER (WHERE promoted)::int AS promoted,
            count(*) FILTER (WHERE NOT promoted)::int AS exhausted
     FROM gone`,
    [VALIDATOR, maxFailures],
  );
}

/** A page of the candidate list: `after` the URL the previous page ended with. */
export interface CandidateListing {
  /** Any of these networks (all when absent). */
  networks?: readonly Network[];
  after?: string;
  limit: number;
}

const LISTED = `
  FROM service_state s
  WHERE s.service_name = $1 AND s.state_type = 'candidate'
    AND ($2::text[] IS NULL OR s.state_value ->> 'network' = ANY($2::text[]))
    AND NOT EXISTS (SELECT 1 FROM relay r WHERE r.url = s.state_key)`;

/**
 * Candidates in URL order (keyset: the page after `after`), with how many match in all; for the
 * API's list of URLs that are waiting for, or failing, validation.
 */
export async function listCandidates(
  db: Db,
  listing: CandidateListing,
): Promise<{ candidates: Candidate[]; total: number }> {
  const networks = listing.networks ?? null;
  const [rows, count] = await Promise.all([
    any<CandidateRow>(
      db,
      `SELECT s.state_key AS url, s.state_value AS value, s.updated_at ${LISTED}
         AND ($3::text IS NULL OR s.state_key > $3::text)
       ORDER BY s.state_key LIMIT $4`,
      [VALIDATOR, networks, listing.after ?? null, listing.limit],
    ),
    one<{ n: number }>(db, `SELECT count(*)::int AS n ${LISTED}`, [VALIDATOR, networks]),
  ]);
  return { candidates: rows.map(toCandidate), total: count.n };
}
