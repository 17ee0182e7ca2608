/** What every connection of one relay server shares: the pool, its limits, metrics, live hub. */
import { asUnavailable } from "../../core/db/errors.js";
import type { Profile } from "../../core/db/migrate.js";
import type { DbOutage } from "../../core/db-outage.js";
import type { Logger } from "../../core/logger.js";
import type { ServiceContext } from "../../core/service.js";
import { toError } from "../../models/errors.js";
import type { RelayConfig } from "./config.js";
import type { LiveHub } from "./live-hub.js";
import type { RefusalReason, RelayMetrics } from "./metrics.js";
import type { RelayQuotas } from "./quotas.js";

export interface RelayRuntime {
  readonly db: ServiceContext["db"];
  readonly profile: Profile;
  readonly config: RelayConfig;
  readonly metrics: RelayMetrics;
  readonly live: LiveHub;
  readonly outage: DbOutage;
  readonly quotas: RelayQuotas;
  /** The CLOSED / NEG-ERR reason for a failed query (logged once per outage, not per query). */
  explain(error: unknown): { reason: string; label: RefusalReason };
  subscriptionsChanged(delta: number): void;
}

const STATEMENT_TIMEOUT = "57014";

export function createRuntime(
  parts: Omit<RelayRuntime, "explain" | "subscriptionsChanged">,
  log: Logger,
): RelayRuntime {
  let subscriptions = 0;
  return {
    ...parts,
    explain(error) {
      if ((error as { code?: unknown }).code === STATEMENT_TIMEOUT) {
        return {
          reason: `error: the query ran past the ${parts.config.statement_timeout} s statement timeout; narrow the filter (authors, kinds, tags, since/until)`,
          label: "timeout",
        };
      }
      if (parts.outage.failed(error) !== undefined || asUnavailable(error) !== undefined) {
        return {
          reason: "error: the archive is unavailable; try again later",
          label: "unavailable",
        };
      }
      log.warn({ err: toError(error) }, "relay_query_failed");
      return { reason: "error: the query failed", label: "unavailable" };
    },
    subscriptionsChanged(delta) {
      subscriptions += delta;
      parts.metrics.subscriptions.set({}, subscriptions);
    },
  };
}
