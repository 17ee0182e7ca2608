/**
 * relay_coverage (migration 000017): how much of each relay we hold, one row
 * per measurement, the table's one owner. Written by the synchronizer at the end of a relay's
 * sync; read through core/db/read/relay-coverage.ts (status, API, explorer, metrics).
 * Counts that can pass 2^31 travel as bigint and come back as text: mapped with Number().
 */
import type { Db } from "./pool.js";
import { affected, exec, maybeOne } from "./sql.js";

export type CoverageMethod = "count" | "negentropy" | "unknown";
export type CoverageFlag = "undercount" | "ignores_bounds";

export interface CoverageMeasurement {
  relayUrl: string;
  measuredAt: number;
  method: CoverageMethod;
  /** created_at window compared, both inclusive. */
  since: number;
  until: number;
  /** Events of the relay we hold for the filter and window. */
  held: number;
  /** What the relay says it has for the same; null when unknown. */
  relayCount: number | null;
  approximate: boolean;
  /** The relay's count is capped and could not be split fully: it has at least this many. */
  lowerBound: boolean;
  countRequests: number;
  hllAuthors: number | null;
  hllError: number | null;
  authorsHeld: number | null;
  negNeed: number | null;
  negHave: number | null;
  negUnfetched: number | null;
  flag: CoverageFlag | null;
  reason: string | null;
}

/**
 * held / relayCount, at most 1; null when there is no believable count (unknown, a flag, a
 * lower bound, or a relay that counts nothing while we hold nothing either).
 */
export function coverageRatio(
  m: Pick<CoverageMeasurement, "held" | "relayCount" | "flag" | "lowerBound">,
) {
  if (m.relayCount === null || m.flag !== null || m.lowerBound) return null;
  if (m.relayCount === 0) return m.held === 0 ? null : 1;
  return Math.min(1, m.held / m.relayCount);
}

/** Records one measurement (a second one of the same relay in the same second replaces it). */
export async function recordCoverage(db: Db, m: CoverageMeasurement): Promise<void> {
  await exec(
    db,
    `INSERT INTO relay_coverage (relay_url, measured_at, method, since, until, held, relay_count,
       coverage, approximate, lower_bound, count_requests, hll_authors, hll_error, authors_held,
       neg_need, neg_have, neg_unfetched, flag, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
             left($19, 1000))
     ON CONFLICT (relay_url, measured_at) DO UPDATE SET
       method = EXCLUDED.method, since = EXCLUDED.since, until = EXCLUDED.until,
       held = EXCLUDED.held, relay_count = EXCLUDED.relay_count, coverage = EXCLUDED.coverage,
       approximate = EXCLUDED.approximate, lower_bound = EXCLUDED.lower_bound,
       count_requests = EXCLUDED.count_requests, hll_authors = EXCLUDED.hll_authors,
       hll_error = EXCLUDED.hll_error, authors_held = EXCLUDED.authors_held,
       neg_need = EXCLUDED.neg_need, neg_have = EXCLUDED.neg_have,
       neg_unfetched = EXCLUDED.neg_unfetched, flag = EXCLUDED.flag, reason = EXCLUDED.reason`,
    [
      m.relayUrl,
      m.measuredAt,
      m.method,
      m.since,
      m.until,
      m.held,
      m.relayCount,
      coverageRatio(m),
      m.approximate,
      m.lowerBound,
      m.countRequests,
      m.hllAuthors,
      m.hllError,
      m.authorsHeld,
      m.negNeed,
      m.negHave,
      m.negUnfetched,
      m.flag,
      m.reason,
    ],
  );
}

/** Deletes measurements older than `before`, keeping each relay's newest; returns the count. */
export async function deleteOldCoverage(db: Db, before: number): Promise<number> {
  return affected(
    db,
    `DELETE FROM relay_coverage c
     WHERE c.measured_at < $1
       AND c.measured_at < (SELECT max(n.measured_at) FROM relay_coverage n
                            WHERE n.relay_url = c.relay_url)`,
    [before],
  );
}

/** When the relay was last measured (unix seconds), null when never. */
export async function lastCoverageAt(db: Db, url: string): Promise<number | null> {
  const row = await maybeOne<{ at: string }>(
    db,
    `SELECT measured_at AS at FROM relay_coverage WHERE relay_url = $1
     ORDER BY measured_at DESC LIMIT 1`,
    [url],
  );
  return row === null ? null : Number(row.at);
}
