import type { Db } from "../../core/db/pool.js";
import type { Network } from "../../models/index.js";
import {
  CANDIDATE_SERVICE,
  type Candidate,
  type CandidateRow,
  toCandidate,
} from "../shared/candidates.js";

/**
 * Candidates due for a probe: on an enabled network, `next_attempt <= now`, not already a
 * relay. Fewest failures first, then the longest-waiting, so new URLs are never starved by
 * a backlog of dead ones.
 */
export async function fetchDueCandidates(
  db: Db,
  networks: readonly Network[],
  now: number,
  limit: number,
): Promise<Candidate[]> {
  if (networks.length === 0 || limit <= 0) return [];
  const { rows } = await db.query<CandidateRow>(
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
    [CANDIDATE_SERVICE, networks, now, limit],
  );
  return rows.map(toCandidate);
}

/** How many candidates are due now, per network (for the gauge and the cycle report). */
export async function countDueCandidates(
  db: Db,
  networks: readonly Network[],
  now: number,
): Promise<Map<Network, number>> {
  const { rows } = await db.query<{ network: Network; n: number }>(
    `SELECT s.state_value ->> 'network' AS network, count(*)::int AS n
     FROM service_state s
     WHERE s.service_name = $1 AND s.state_type = 'candidate'
       AND s.state_value ->> 'network' = ANY($2::text[])
       AND coalesce((s.state_value ->> 'next_attempt')::bigint, 0) <= $3
       AND NOT EXISTS (SELECT 1 FROM relay r WHERE r.url = s.state_key)
     GROUP BY 1`,
    [CANDIDATE_SERVICE, networks, now],
  );
  return new Map(rows.map((r) => [r.network, r.n]));
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
  const { rowCount } = await db.query(
    `UPDATE service_state s
     SET state_value = s.state_value || jsonb_build_object(
           'failures', f.failures, 'last_attempt', $6::bigint,
           'next_attempt', f.next_attempt, 'reason', f.reason),
         updated_at = $6
     FROM unnest($2::text[], $3::int[], $4::bigint[], $5::text[])
          AS f(url, failures, next_attempt, reason)
     WHERE s.service_name = $1 AND s.state_type = 'candidate' AND s.state_key = f.url`,
    [
      CANDIDATE_SERVICE,
      failed.map((f) => f.url),
      failed.map((f) => f.failures),
      failed.map((f) => f.nextAttempt),
      failed.map((f) => f.reason),
      now,
    ],
  );
  return rowCount ?? 0;
}

/**
 * Deletes candidates that are already relays and, when `maxFailures` > 0, those that failed
 * `maxFailures` times or more. Returns both counts.
 */
export async function deleteSpentCandidates(
  db: Db,
  maxFailures: number,
): Promise<{ promoted: number; exhausted: number }> {
  const { rows } = await db.query<{ promoted: number; exhausted: number }>(
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
    [CANDIDATE_SERVICE, maxFailures],
  );
  return { promoted: rows[0]?.promoted ?? 0, exhausted: rows[0]?.exhausted ?? 0 };
}
