import type { LabelledCounter, LabelledGauge, ServiceMetrics } from "../../core/metrics.js";

export interface RefresherMetrics {
  /** Label source: events, sightings, deleted_events, deleted_sightings, relay_checks. */
  rows: LabelledCounter;
  /** Label phase: drain, walk, finish. */
  chunks: LabelledCounter;
  /** Label step: stage, events, relays, repair, checks, windows (seconds, summed). */
  steps: LabelledCounter;
  /** Events and sightings not counted yet, after the cycle (core/db/statistics/progress.ts). */
  pending: LabelledGauge;
  /** Label what: orphan_events, relay_metadata. */
  deleted: LabelledCounter;
}

export function refresherMetrics(metrics: ServiceMetrics): RefresherMetrics {
  return {
    rows: metrics.counter(
      "brotr_statistics_rows_total",
      "Archive rows the statistics took in, by source",
      ["source"],
    ),
    chunks: metrics.counter("brotr_statistics_chunks_total", "Statistics transactions by phase", [
      "phase",
    ]),
    steps: metrics.counter(
      "brotr_statistics_step_seconds_total",
      "Time spent in each step of the statistics transactions",
      ["step"],
    ),
    pending: metrics.gauge(
      "brotr_statistics_pending_rows",
      "Events and sightings stored above the statistics watermark (not counted yet)",
    ),
    deleted: metrics.counter(
      "brotr_cleanup_deleted_total",
      "Rows deleted by the refresher's cleanup",
      ["what"],
    ),
  };
}
