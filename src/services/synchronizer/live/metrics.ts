import type {
  LabelledCounter,
  LabelledGauge,
  LabelledHistogram,
  ServiceMetrics,
} from "../../../core/metrics.js";

export interface LiveMetrics {
  /** Label network: live subscriptions open now. */
  open: LabelledGauge;
  /** Label path (live | backfill): events new to the archive. */
  archived: LabelledCounter;
  /** Label network: screened events received on live subscriptions. */
  received: LabelledCounter;
  /** Receipt from the relay → archive commit, seconds. */
  lag: LabelledHistogram;
  /** Label network: subscriptions opened again after one ended. */
  reconnects: LabelledCounter;
  /** Label network: live events dropped over a relay's rate cap. */
  throttled: LabelledCounter;
  /** Relays over their cap within the last status interval. */
  throttledRelays: LabelledGauge;
  /** Labels network, reason (bad-id | bad-sig | invalid | overflow | write-failed). */
  rejected: LabelledCounter;
}

const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

export function liveMetrics(metrics: ServiceMetrics): LiveMetrics {
  return {
    open: metrics.gauge("brotr_synchronizer_live_subscriptions", "Live subscriptions open", [
      "network",
    ]),
    archived: metrics.counter(
      "brotr_synchronizer_archived_events_total",
      "Events new to the archive, by path (live subscription or windowed backfill)",
      ["path"],
    ),
    received: metrics.counter(
      "brotr_synchronizer_live_events_total",
      "Events received on live subscriptions (screened)",
      ["network"],
    ),
    lag: metrics.histogram(
      "brotr_synchronizer_live_lag_seconds",
      "Live events: receipt from the relay to archive commit",
      LAG_BUCKETS,
    ),
    reconnects: metrics.counter(
      "brotr_synchronizer_live_reconnects_total",
      "Live subscriptions opened again after one ended",
      ["network"],
    ),
    throttled: metrics.counter(
      "brotr_synchronizer_live_throttled_events_total",
      "Live events dropped over a relay's rate cap (the windowed cycles fetch them)",
      ["network"],
    ),
    throttledRelays: metrics.gauge(
      "brotr_synchronizer_live_throttled_relays",
      "Relays over their live rate cap lately",
    ),
    rejected: metrics.counter(
      "brotr_synchronizer_live_rejected_total",
      "Live events refused or dropped, by reason",
      ["network", "reason"],
    ),
  };
}
