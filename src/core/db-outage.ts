import { asUnavailable, type ConnectionLost } from "./db/errors.js";
import type { Logger } from "./logger.js";

/**
 * A database outage as two log lines per service instead of a stack trace per cycle (and per
 * statistics view): `database_unavailable` (warn, with the reason) when a cycle first fails
 * because the database cannot be reached, `database_available` (info) when a cycle next
 * succeeds. The failures in between are the same news again: callers log them at debug, and
 * metrics still count them.
 */
export interface DbOutage {
  /** True from the first failure that was an outage until the next successful cycle. */
  readonly active: boolean;
  /** Records a failure; returns it as a ConnectionLost when the database was unreachable. */
  failed(error: unknown): ConnectionLost | undefined;
  /** Records a successful cycle: ends the outage, if one is going on. */
  succeeded(): void;
}

export function createDbOutage(log: Logger, clock: () => number = Date.now): DbOutage {
  let since: number | undefined;
  let failures = 0;
  return {
    get active() {
      return since !== undefined;
    },
    failed(error) {
      const lost = asUnavailable(error);
      if (lost === undefined) return undefined;
      failures += 1;
      if (since === undefined) {
        since = clock();
        log.warn({ reason: lost.message, code: lost.code }, "database_unavailable");
      }
      return lost;
    },
    succeeded() {
      if (since === undefined) return;
      log.info({ downMs: clock() - since, failures }, "database_available");
      since = undefined;
      failures = 0;
    },
  };
}
