import type { LabelledCounter, LabelledGauge, ServiceMetrics } from "../../core/metrics.js";

export interface ValidatorMetrics {
  /** Labels network, outcome (valid | invalid). */
  probes: LabelledCounter;
  /** Labels network, reason (one of FAILURE_REASONS). */
  failures: LabelledCounter;
  /** Label network: candidates due at the start of the cycle. */
  due: LabelledGauge;
}

export function validatorMetrics(metrics: ServiceMetrics): ValidatorMetrics {
  return {
    probes: metrics.counter("brotr_validator_probes_total", "Candidate probes by outcome", [
      "network",
      "outcome",
    ]),
    failures: metrics.counter(
      "brotr_validator_failures_total",
      "Failed candidate probes by reason",
      ["network", "reason"],
    ),
    due: metrics.gauge(
      "brotr_validator_candidates_due",
      "Candidates due for validation at the start of the last cycle",
      ["network"],
    ),
  };
}
