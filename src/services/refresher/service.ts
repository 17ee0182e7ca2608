import { REFRESHER } from "../../core/db/service-state/services.js";
import { deleteOrphanCandidates } from "../../core/db/statistics/orphans.js";
import { statisticsLag } from "../../core/db/statistics/progress.js";
import { type Chunk, refreshStatistics } from "../../core/db/statistics/refresh.js";
import type { Service, ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import type { RefresherConfig } from "./config.js";
import { type RefresherMetrics, refresherMetrics } from "./metrics.js";
import { applyHistoryRetention } from "./retention.js";

function recordChunk(ctx: ServiceContext, m: RefresherMetrics, chunk: Chunk): void {
  m.chunks.inc({ phase: chunk.phase });
  const added = chunk.phase === "drain" ? "deleted_" : "";
  if (chunk.events) m.rows.inc({ source: `${added}events` }, chunk.events);
  if (chunk.sightings) m.rows.inc({ source: `${added}sightings` }, chunk.sightings);
  if (chunk.checks) m.rows.inc({ source: "relay_checks" }, chunk.checks);
  for (const [step, ms] of Object.entries(chunk.steps)) m.steps.inc({ step }, ms / 1000);
  ctx.log.debug(chunk, "statistics_chunk_committed");
}

/**
 * Keeps the statistics summary tables up to date, and removes what the archive no longer
 * needs: cleanup deletes orphan events (then old check history when retention is set), and
 * the cycle subtracts those deletions with everything else that changed since the watermark
 * (core/db/statistics/refresh.ts). Several refreshers may run: one works, the others find the
 * statistics lock taken and skip the cycle.
 */
export function createRefresher(_deps: ServiceDeps, config: RefresherConfig): Service {
  const history = config.retention.relay_metadata;
  return {
    name: REFRESHER,
    async cleanup(ctx: ServiceContext) {
      const m = refresherMetrics(ctx.metrics);
      let removed = 0;
      if (config.cleanup.orphan_events.enabled) {
        const batchSize = config.cleanup.orphan_events.batch_size;
        const n = await deleteOrphanCandidates(ctx.db, { batchSize, signal: ctx.signal });
        m.deleted.inc({ what: "orphan_events" }, n);
        removed += n;
      }
      if (history.keep_days !== null) {
        const retention = {
          keepDays: history.keep_days,
          policy: history.policy,
          batchSize: history.batch_size,
        };
        const n = await applyHistoryRetention(ctx.db, retention, ctx.now(), ctx.signal);
        m.deleted.inc({ what: "relay_metadata" }, n);
        removed += n;
      }
      return removed;
    },
    async runCycle(ctx: ServiceContext) {
      const m = refresherMetrics(ctx.metrics);
      const report = await refreshStatistics(ctx.db, {
        chunkRows: config.statistics.chunk_rows,
        now: ctx.now(),
        signal: ctx.signal,
        onChunk: (chunk) => recordChunk(ctx, m, chunk),
      });
      const lag = await statisticsLag(ctx.db);
      m.pending.set({}, lag.pendingRows);
      if (report.busy) ctx.log.info("statistics_busy");
      return {
        busy: report.busy,
        chunks: report.chunks,
        events: report.events,
        sightings: report.sightings,
        deleted_events: report.deletedEvents,
        deleted_sightings: report.deletedSightings,
        relay_checks: report.checks,
        pending_rows: lag.pendingRows,
      };
    },
  };
}
