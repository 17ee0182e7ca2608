import type {
  LabelledCounter,
  LabelledGauge,
  LabelledHistogram,
  ServiceMetrics,
} from "../../core/metrics.js";

export interface MonitorMetrics {
  /** Labels network, outcome (up | down): relays checked. */
  relays: LabelledCounter;
  /** Labels check, outcome (ok | error | skipped). */
  checks: LabelledCounter;
  /** Label check: seconds one check took (retries included). */
  checkSeconds: LabelledHistogram;
  /** Label network: relays due at the start of the cycle. */
  due: LabelledGauge;
  /** Label result (written | deduplicated): history documents. */
  documents: LabelledCounter;
  /** Labels kind, outcome (accepted | rejected | failed): events published, per relay. */
  published: LabelledCounter;
}

const CHECK_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function monitorMetrics(metrics: ServiceMetrics): MonitorMetrics {
  return {
    relays: metrics.counter("brotr_monitor_relays_total", "Relays checked, up or down", [
      "network",
      "outcome",
    ]),
    checks: metrics.counter("brotr_monitor_checks_total", "Checks run, by outcome", [
      "check",
      "outcome",
    ]),
    checkSeconds: metrics.histogram(
      "brotr_monitor_check_duration_seconds",
      "Duration of one check, retries included",
      CHECK_BUCKETS,
      ["check"],
    ),
    due: metrics.gauge(
      "brotr_monitor_relays_due",
      "Relays due for a check at the start of the last cycle",
      ["network"],
    ),
    documents: metrics.counter(
      "brotr_monitor_documents_total",
      "History documents: newly written, or already stored (deduplicated)",
      ["result"],
    ),
    published: metrics.counter(
      "brotr_monitor_published_total",
      "Events published, per relay and outcome",
      ["kind", "outcome"],
    ),
  };
}
