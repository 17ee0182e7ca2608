import type { Db } from "../../src/core/db/pool.js";
import {
  type Candidate,
  type CandidateRow,
  toCandidate,
} from "../../src/core/db/service-state/candidates.js";
import { VALIDATOR } from "../../src/core/db/service-state/services.js";

/** Reads candidates by URL, through the same row mapper the services use. */
export async function readCandidates(db: Db, urls: readonly string[]): Promise<Candidate[]> {
  if (urls.length === 0) return [];
  const { rows } = await db.query<CandidateRow>(
    `SELECT state_key AS url, state_value AS value, updated_at FROM service_state
     WHERE service_name = $1 AND state_type = 'candidate' AND state_key = ANY($2::text[])
     ORDER BY state_key`,
    [VALIDATOR, urls],
  );
  return rows.map(toCandidate);
}
