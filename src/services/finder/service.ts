import { deleteStaleFinderState } from "../../core/db/service-state/finder-state.js";
import { FINDER } from "../../core/db/service-state/services.js";
import type { CycleReport, Service, ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import type { Resolver } from "../../utils/dns.js";
import { runApiPhase } from "./api-phase.js";
import type { FinderConfig } from "./config.js";
import { FinderCounts } from "./counts.js";
import { runEventPhase } from "./event-phase.js";

export { type FinderConfig, finderConfigSchema } from "./config.js";

export interface FinderOptions {
  /** Name resolution for API sources (tests); default the system resolver. */
  resolver?: Resolver;
}

/**
 * The finder: turns relay URLs found in configured HTTP JSON sources and in archived events
 * into candidates for the validator. API phase first (cheap, usually cooling down), then the
 * event phase. Counts per source go to metrics as they happen and into the cycle report.
 */
export function createFinder(
  deps: ServiceDeps,
  config: FinderConfig,
  options: FinderOptions = {},
): Service {
  return {
    name: FINDER,
    cleanup: (ctx: ServiceContext) =>
      deleteStaleFinderState(
        ctx.db,
        config.api.sources.map((s) => s.url),
      ),
    async runCycle(ctx: ServiceContext): Promise<CycleReport> {
      const counts = new FinderCounts(ctx.metrics);
      let report: CycleReport = {};
      if (config.api.enabled) {
        const api = await runApiPhase(ctx, {
          deps,
          config: config.api,
          counts,
          ...(options.resolver ? { resolver: options.resolver } : {}),
        });
        report = { ...report, ...api };
      }
      if (config.events.enabled && !ctx.signal.aborted) {
        report = {
          ...report,
          ...(await runEventPhase(ctx, config.events, counts, deps.brotr.allow_private)),
        };
      }
      ctx.log.info(counts.logFields(), "urls_by_source");
      return { ...report, ...counts.report() };
    },
  };
}
