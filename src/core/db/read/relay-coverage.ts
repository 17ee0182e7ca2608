/**
 * Reads of relay_coverage (owner: core/db/relay-coverage.ts) shared by the relay table (its
 * summary column), the relay page, `bigbrotr status` and the synchronizer's coverage gauge.
 * The newest measurement of a relay is its coverage; older ones are its history.
 */

import type { Db } from "../pool.js";
import type { CoverageFlag, CoverageMethod } from "../relay-coverage.js";
import { any, one } from "../sql.js";

/** A relay's newest measurement, as the relay table shows it. */
export interface CoverageSummary {
  method: CoverageMethod;
  /** held / relayCount (at most 1); null when unknown or not believable (see flag). */
  coverage: number | null;
  held: number;
  relayCount: number | null;
  since: number;
  until: number;
  measuredAt: number;
  approximate: boolean;
  lowerBound: boolean;
  flag: CoverageFlag | null;
  reason: string | null;
}

/** One measurement with everything it found. */
export interface CoverageRecord extends CoverageSummary {
  countRequests: number;
  hll: { authors: number; error: number; authorsHeld: number | null } | null;
  negentropy: { need: number; have: number; unfetched: number } | null;
}

const SUMMARY_FIELDS = `'method', c.method, 'coverage', c.coverage, 'held', c.held,
  'relayCount', c.relay_count, 'since', c.since, 'until', c.until,
  'measuredAt', c.measured_at, 'approximate', c.approximate, 'lowerBound', c.lower_bound,
  'flag', c.flag, 'reason', c.reason`;

/**
 * A scalar subquery for the relay summary: the newest measurement of relay `r` as a JSON
 * CoverageSummary, or null (one probe of the primary key, newest first).
 */
export const COVERAGE_SUMMARY_SQL = `(SELECT json_build_object(${SUMMARY_FIELDS})
  FROM relay_coverage c WHERE c.relay_url = r.url ORDER BY c.measured_at DESC LIMIT 1)`;

/** The newest `limit` measurements of a relay, newest first. */
export async function coverageHistory(db: Db, url: string, limit = 10): Promise<CoverageRecord[]> {
  type Nullable = number | null;
  type Raw = CoverageSummary & { countRequests: number } & Record<
      "hllAuthors" | "hllError" | "authorsHeld" | "negNeed" | "negHave" | "negUnfetched",
      Nullable
    >;
  const rows = await any<{ s: Raw }>(
    db,
    `SELECT json_build_object(${SUMMARY_FIELDS}, 'countRequests', c.count_requests,
       'hllAuthors', c.hll_authors, 'hllError', c.hll_error, 'authorsHeld', c.authors_held,
       'negNeed', c.neg_need, 'negHave', c.neg_have, 'negUnfetched', c.neg_unfetched) AS s
     FROM relay_coverage c WHERE c.relay_url = $1 ORDER BY c.measured_at DESC LIMIT $2`,
    [url, limit],
  );
  return rows.map(({ s }) => {
    const { hllAuthors, hllError, authorsHeld, negNeed, negHave, negUnfetched, ...rest } = s;
    return {
      ...rest,
      hll: hllAuthors === null ? null : { authors: hllAuthors, error: hllError ?? 0, authorsHeld },
      negentropy:
        negNeed === null
          ? null
          : { need: negNeed, have: negHave ?? 0, unfetched: negUnfetched ?? 0 },
    };
  });
}

/** The archive as a whole over each relay's newest measurement. */
export interface ArchiveCoverage {
  /** Relays with a newest measurement, and of those with a believable count. */
  relays: number;
  measured: number;
  /** Relays whose count was flagged (undercount, ignores_bounds), and unknown ones. */
  flagged: number;
  unknown: number;
  held: number;
  relayCount: number;
  /** held / relayCount over the measured relays (each relay's held capped at its count). */
  coverage: number | null;
}

export async function archiveCoverage(db: Db): Promise<ArchiveCoverage> {
  const row = await one<Record<string, string | null>>(
    db,
    `WITH latest AS (
       SELECT DISTINCT ON (relay_url) * FROM relay_coverage ORDER BY relay_url, measured_at DESC)
     SELECT count(*) AS relays,
       count(*) FILTER (WHERE coverage IS NOT NULL) AS measured,
       count(*) FILTER (WHERE flag IS NOT NULL) AS flagged,
       count(*) FILTER (WHERE method = 'unknown') AS unknown,
       coalesce(sum(least(held, relay_count)) FILTER (WHERE coverage IS NOT NULL), 0) AS held,
       coalesce(sum(relay_count) FILTER (WHERE coverage IS NOT NULL), 0) AS relay_count
     FROM latest`,
  );
  const held = Number(row.held);
  const relayCount = Number(row.relay_count);
  return {
    relays: Number(row.relays),
    measured: Number(row.measured),
    flagged: Number(row.flagged),
    unknown: Number(row.unknown),
    held,
    relayCount,
    coverage: relayCount > 0 ? held / relayCount : null,
  };
}

/** The `limit` relays we hold least of (newest measurements): flagged ones first, then least covered. */
export async function leastCovered(
  db: Db,
  limit: number,
): Promise<(CoverageSummary & { url: string })[]> {
  const rows = await any<{ s: CoverageSummary & { url: string } }>(
    db,
    `WITH latest AS (
       SELECT DISTINCT ON (relay_url) * FROM relay_coverage ORDER BY relay_url, measured_at DESC)
     SELECT json_build_object('url', c.relay_url, ${SUMMARY_FIELDS}) AS s
     FROM latest c WHERE c.coverage IS NOT NULL OR c.flag IS NOT NULL
     ORDER BY c.flag IS NULL, c.coverage, c.relay_url LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.s);
}
