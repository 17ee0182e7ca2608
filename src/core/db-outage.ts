import { asUnavailable, type ConnectionLost } from "./db/errors.js";
import type { Logger } from "./logger.js";

/**
 * A database outage as two log lines per process instead of a stack trace per cycle (and per
 * statistics view): `database_unavailable` (warn, with the reason) when work first fails
 * because the database cannot be reached, `database_available` (info) when work next
 * succeeds. The failures in between are the same news again: callers log them at debug, and
 * metrics still count them.
 *
 * One per process (cli/start-database.ts creates it, ServiceContext carries it): everything of a
 * service that talks to the database (its cycles, its live loop, the API's requests) reports
 * to the same one, so an outage is told once however many of them meet it.
 */
export interface DbOutage {
  /** True from the first failure that was an outage until the next success. */
  readonly active: boolean;
  /**
   * How many outages have ended so far. Work that reads it when it begins and passes it to
   * `failed` is known to have begun before the database came back when it failed after: its
   * failure belongs to the outage that ended (a statement held by a frozen server whose
   * client-side timer fires after the thaw), not to a new one.
   */
  readonly epoch: number;
  /**
   * Records a failure; returns it as a ConnectionLost when the database was unavailable.
   * `since` is the `epoch` read when the failed work began, when it is known.
   */
  failed(error: unknown, since?: number): ConnectionLost | undefined;
  /** Records a success: ends the outage, if one is going on. */
  succeeded(): void;
}

export function createDbOutage(log: Logger, clock: () => number = Date.now): DbOutage {
  let since: number | undefined;
  let failures = 0;
  let epoch = 0;
  return {
    get active() {
      return since !== undefined;
    },
    get epoch() {
      return epoch;
    },
    failed(error, began) {
      const lost = asUnavailable(error);
      if (lost === undefined) return undefined;
      if (since === undefined && began !== undefined && began < epoch) return lost;
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
      epoch += 1;
    },
  };
}
