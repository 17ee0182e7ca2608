import type pg from "pg";
import type { Db } from "../../core/db/pool.js";
import type { Network } from "../../models/network.js";

/**
 * Candidates are relay URLs waiting for validation. They live in service_state under
 * (service_name 'validator', state_type 'candidate', state_key = canonical URL) with value
 * `{ network, failures, first_seen, last_attempt, next_attempt, reason?, source }`.
 * Seeder and finder add them; the validator promotes or backs them off.
 */
export const CANDIDATE_SERVICE = "validator";

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
  const { rows } = await db.query<{ n: number }>(
    `WITH input AS (
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
     SELECT count(*)::int AS n FROM added`,
    [
      candidates.map((c) => c.url),
      candidates.map((c) => c.network),
      candidates.map((c) => c.source),
      CANDIDATE_SERVICE,
      now,
    ],
  );
  return rows[0]?.n ?? 0;
}

/** Adds relays directly (seeder with `to_validate: false`); returns how many were new. */
export async function insertRelaysDirect(
  db: Db,
  relays: readonly { url: string; network: Network }[],
  now: number,
): Promise<number> {
  if (relays.length === 0) return 0;
  const { rows } = await db.query<{ n: number }>(
    `WITH added AS (
       INSERT INTO relay (url, network, discovered_at)
       SELECT DISTINCT ON (url) url, network, $3::bigint
       FROM unnest($1::text[], $2::text[]) AS t(url, network)
       ORDER BY url
       ON CONFLICT (url) DO NOTHING
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM added`,
    [relays.map((r) => r.url), relays.map((r) => r.network), now],
  );
  return rows[0]?.n ?? 0;
}

/** Which of `urls` are already relays or candidates (to skip them before any work). */
export async function knownUrls(db: Db, urls: readonly string[]): Promise<Set<string>> {
  if (urls.length === 0) return new Set();
  const { rows } = await db.query<{ url: string }>(
    `SELECT url FROM relay WHERE url = ANY($1::text[])
     UNION
     SELECT state_key FROM service_state
     WHERE service_name = $2 AND state_type = 'candidate' AND state_key = ANY($1::text[])`,
    [urls, CANDIDATE_SERVICE],
  );
  return new Set(rows.map((r) => r.url));
}

/** Promotes validated candidates in one transaction: relay rows in, candidate rows out. */
export async function promoteCandidates(
  client: pg.ClientBase,
  promoted: readonly { url: string; network: Network; firstSeen: number }[],
): Promise<number> {
  if (promoted.length === 0) return 0;
  await client.query(
    `INSERT INTO relay (url, network, discovered_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
     ON CONFLICT (url) DO NOTHING`,
    [promoted.map((p) => p.url), promoted.map((p) => p.network), promoted.map((p) => p.firstSeen)],
  );
  const { rowCount } = await client.query(
    `DELETE FROM service_state
     WHERE service_name = $1 AND state_type = 'candidate' AND state_key = ANY($2::text[])`,
    [CANDIDATE_SERVICE, promoted.map((p) => p.url)],
  );
  return rowCount ?? 0;
}

/** A service_state row of a candidate, as selected by `CANDIDATE_COLUMNS`. */
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
