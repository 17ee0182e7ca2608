import type { LabelledCounter, LabelledGauge, ServiceMetrics } from "../../core/metrics.js";

export interface SynchronizerMetrics {
  /** Labels network, outcome (caught-up | partial | failed). */
  relays: LabelledCounter;
  /** Label network: distinct events fetched per relay (new or not). */
  fetched: LabelledCounter;
  /** Label table (event | event_relay): rows that were new. */
  stored: LabelledCounter;
  /** Labels network, reason (bad-id | bad-sig | invalid | unstorable | out-of-bounds). */
  invalid: LabelledCounter;
  /** Label network: REQs sent. */
  requests: LabelledCounter;
  /** Label network: gaps recorded at the end of the last cycle. */
  gaps: LabelledGauge;
  /** Label stage (queued): sightings waiting for the writer. */
  queue: LabelledGauge;
  /** Events whose signature check was skipped: their id was verified or stored before. */
  signaturesSkipped: LabelledCounter;
  /** Labels network, direction (received | sent): WebSocket payload bytes. */
  bytes: LabelledCounter;
  /** Labels network, path (negentropy | req), reason (SyncPath's reason). */
  paths: LabelledCounter;
  /** Label network: NIP-77 messages the relays answered. */
  negRounds: LabelledCounter;
  /** Labels network, outcome (sighted | fetched | unfetched): ids a relay had and we lacked. */
  negNeeded: LabelledCounter;
  /** Label network: ids we hold as seen on a relay that its NIP-77 set lacks. */
  relayLacks: LabelledCounter;
  /** The archive's coverage: held / the relays' counts over each relay's newest measurement. */
  coverage: LabelledGauge;
  /** Label state (measured | flagged | unknown): relays by their newest measurement. */
  coverageRelays: LabelledGauge;
}

export function synchronizerMetrics(metrics: ServiceMetrics): SynchronizerMetrics {
  return {
    relays: metrics.counter("brotr_synchronizer_relays_total", "Relays synced, by outcome", [
      "network",
      "outcome",
    ]),
    fetched: metrics.counter(
      "brotr_synchronizer_events_fetched_total",
      "Distinct events fetched from relays",
      ["network"],
    ),
    stored: metrics.counter("brotr_synchronizer_rows_stored_total", "New rows written", ["table"]),
    invalid: metrics.counter(
      "brotr_synchronizer_invalid_events_total",
      "Events refused, by reason",
      ["network", "reason"],
    ),
    requests: metrics.counter("brotr_synchronizer_requests_total", "REQs sent", ["network"]),
    gaps: metrics.gauge("brotr_synchronizer_gaps", "Windows that could not be fetched completely", [
      "network",
    ]),
    queue: metrics.gauge("brotr_synchronizer_queue", "Sightings waiting for the writer", ["stage"]),
    signaturesSkipped: metrics.counter(
      "brotr_synchronizer_signatures_skipped_total",
      "Events whose signature check was skipped (id verified or stored before)",
      [],
    ),
    bytes: metrics.counter("brotr_synchronizer_bytes_total", "WebSocket payload bytes", [
      "network",
      "direction",
    ]),
    paths: metrics.counter("brotr_synchronizer_paths_total", "Relays synced, by path and reason", [
      "network",
      "path",
      "reason",
    ]),
    negRounds: metrics.counter(
      "brotr_synchronizer_negentropy_rounds_total",
      "NIP-77 messages answered by relays",
      ["network"],
    ),
    negNeeded: metrics.counter(
      "brotr_synchronizer_negentropy_needed_total",
      "Ids a relay had and we lacked there, by how they were obtained",
      ["network", "outcome"],
    ),
    relayLacks: metrics.counter(
      "brotr_synchronizer_relay_lacks_total",
      "Ids seen on a relay before that its NIP-77 set lacks (deleted or lost)",
      ["network"],
    ),
    coverage: metrics.gauge(
      "brotr_archive_coverage_ratio",
      "Events we hold of what the measured relays count, over each relay's newest measurement",
      [],
    ),
    coverageRelays: metrics.gauge(
      "brotr_coverage_relays",
      "Relays by their newest coverage measurement (measured, flagged, unknown)",
      ["state"],
    ),
  };
}
