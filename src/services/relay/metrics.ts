import type { LabelledCounter, LabelledGauge, ServiceMetrics } from "../../core/metrics.js";

/** Why the relay refused or cut something (a bounded set: the `reason` label). */
export type RefusalReason =
  | "read_only"
  | "connections_per_ip"
  | "connections"
  | "message_too_large"
  | "invalid"
  | "subscriptions"
  | "filters"
  | "timeout"
  | "unavailable"
  | "too_many_records"
  | "slow_reader"
  | "lilbrotr"
  | "subscriptions_per_ip"
  | "subscriptions_per_key"
  | "bytes_per_ip"
  | "auth_required"
  | "restricted"
  | "auth_failed";

export interface RelayMetrics {
  connections: LabelledGauge;
  subscriptions: LabelledGauge;
  /** Label phase: stored (before EOSE) or live. */
  eventsSent: LabelledCounter;
  /** Label verb: REQ, COUNT, NEG-OPEN… */
  requests: LabelledCounter;
  refusals: LabelledCounter;
  /** NIP-42 AUTH answered, label outcome: ok or failed. */
  auths: LabelledCounter;
}

export function relayMetrics(metrics: ServiceMetrics): RelayMetrics {
  return {
    connections: metrics.gauge("brotr_relay_connections", "Open WebSocket connections"),
    subscriptions: metrics.gauge("brotr_relay_subscriptions", "Open REQ subscriptions"),
    eventsSent: metrics.counter("brotr_relay_events_sent_total", "Events sent to clients", [
      "phase",
    ]),
    requests: metrics.counter("brotr_relay_requests_total", "Client messages handled, by verb", [
      "verb",
    ]),
    refusals: metrics.counter(
      "brotr_relay_refusals_total",
      "Messages, subscriptions and connections refused or cut, by reason",
      ["reason"],
    ),
    auths: metrics.counter("brotr_relay_auth_total", "NIP-42 AUTH messages, by outcome", [
      "outcome",
    ]),
  };
}
