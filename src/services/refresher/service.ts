import { ConnectionLost } from "../../core/db/errors.js";
import { REFRESHER } from "../../core/db/service-state/services.js";
import { refreshAllViews } from "../../core/db/views.js";
import type { Service, ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import { BrotrError } from "../../models/errors.js";
import type { RefresherConfig } from "./config.js";

export class AllViewsFailedError extends BrotrError {}

/**
 * Keeps the statistics views current. Views refresh one after another in dependency order; a
 * failing view is logged and counted and the others still refresh. The cycle fails when every
 * view failed, or at the first view that finds the database unreachable (the runtime then
 * logs the outage once; the rest are not tried).
 */
export function createRefresher(_deps: ServiceDeps, config: RefresherConfig): Service {
  return {
    name: REFRESHER,
    async runCycle(ctx: ServiceContext) {
      const refreshes = ctx.metrics.counter(
        "brotr_view_refreshes_total",
        "View refreshes by outcome",
        ["view", "outcome"],
      );
      const duration = ctx.metrics.gauge(
        "brotr_view_refresh_duration_seconds",
        "Duration of the last refresh of each view",
        ["view"],
      );
      const failedGauge = ctx.metrics.gauge(
        "brotr_views_failed",
        "Views whose last refresh failed",
      );
      const results = await refreshAllViews(ctx.db, {
        concurrently: config.refresh.concurrently,
        ...(config.refresh.views ? { views: config.refresh.views } : {}),
        onView(view, result) {
          refreshes.inc({ view, outcome: result.ok ? "success" : "failure" });
          if (result.ok) {
            duration.set({ view }, result.durationMs / 1000);
            ctx.log.debug({ view, durationMs: result.durationMs }, "view_refreshed");
          } else if (result.error instanceof ConnectionLost) {
            ctx.log.debug({ view, reason: result.error.message }, "view_refresh_failed");
          } else {
            ctx.log.error({ view, err: result.error }, "view_refresh_failed");
          }
        },
      });
      const failed = results.filter((r) => !r.ok);
      failedGauge.set({}, failed.length);
      if (failed.length === results.length) {
        throw new AllViewsFailedError(
          `every view failed: ${failed[0]?.error?.message ?? "unknown"}`,
        );
      }
      return {
        views: results.length,
        refreshed: results.length - failed.length,
        failed: failed.length,
      };
    },
  };
}
