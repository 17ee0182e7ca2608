import { createDbOutage, type DbOutage } from "../core/db-outage.js";
import type { Logger } from "../core/logger.js";
import { sleep } from "../core/service.js";
import type { Database } from "./context.js";
import type { Loaded } from "./service-files.js";

/** How often a start waiting for the database tries again. */
const START_RETRY_MS = 2000;

/**
 * Migrates, waiting while the database is unreachable when `wait` (a long-running start): a
 * process started during an outage, or restarted by its supervisor then, would otherwise exit
 * at once and again at every restart, a crash loop a supervisor's start limit ends (systemd's
 * 5 starts in 10 s). The outage is logged once each way; a shutdown meanwhile ends the wait.
 */
export async function migrateWhenReachable(
  db: Database,
  outage: DbOutage,
  signal: AbortSignal,
  wait: boolean,
): Promise<void> {
  for (;;) {
    try {
      await db.migrate();
      outage.succeeded();
      return;
    } catch (error) {
      if (!wait || signal.aborted || outage.failed(error) === undefined) throw error;
      await sleep(START_RETRY_MS, signal);
      if (signal.aborted) throw error;
    }
  }
}

/**
 * The process's database outage: one for the start's migration and every service it runs
 * (their cycles, background loops and requests), so an outage is logged once each way per
 * process. Its lines name the service when the process runs one (every deployment but `up`).
 */
export function processOutage(log: Logger, loaded: readonly Loaded[]): DbOutage {
  const only = loaded.length === 1 ? loaded[0]?.entry.name : undefined;
  return createDbOutage(only === undefined ? log : log.child({ service: only }));
}
