import type { LabelledCounter, LabelledGauge, ServiceMetrics } from "../../core/metrics.js";

/**
 * What became of a job request (the `outcome` label, a bounded set): answered (a result),
 * failed (error feedback), republished (a stored response sent again), rate_limited,
 * ignored_other (addressed to another DVM), ignored_expired, busy (another replica has it),
 * awaiting_payment (priced: worked out, told the price).
 */
export type RequestOutcome =
  | "answered"
  | "failed"
  | "republished"
  | "rate_limited"
  | "ignored_other"
  | "ignored_expired"
  | "busy"
  | "awaiting_payment"
  | "unavailable";

export interface DvmMetrics {
  /** Labels kind, outcome. */
  requests: LabelledCounter;
  /** Label status: accepted or refused (by one relay). */
  published: LabelledCounter;
  /** Relays the DVM is subscribed to now. */
  connected: LabelledGauge;
}

export function dvmMetrics(metrics: ServiceMetrics): DvmMetrics {
  return {
    requests: metrics.counter("brotr_dvm_requests_total", "Job requests by kind and outcome", [
      "kind",
      "outcome",
    ]),
    published: metrics.counter(
      "brotr_dvm_published_total",
      "Results, feedback and announcements sent to a relay, by status",
      ["status"],
    ),
    connected: metrics.gauge("brotr_dvm_relays_connected", "Relays the DVM is subscribed to"),
  };
}
