/**
 * A relay_coverage row for tests: a COUNT measurement that counted nothing (every figure null,
 * no flag); the relay, times and whatever a test cares about given in `m`.
 */
import type { CoverageMeasurement } from "../../src/core/db/relay-coverage.js";

export function coverageMeasurement(
  m: Pick<CoverageMeasurement, "relayUrl" | "measuredAt" | "since" | "until"> &
    Partial<CoverageMeasurement>,
): CoverageMeasurement {
  return {
    method: "count",
    held: 0,
    relayCount: null,
    approximate: false,
    lowerBound: false,
    countRequests: 3,
    hllAuthors: null,
    hllError: null,
    authorsHeld: null,
    negNeed: null,
    negHave: null,
    negUnfetched: null,
    flag: null,
    reason: null,
    ...m,
  };
}
