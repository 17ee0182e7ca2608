/**
 * The synchronizer's counts, from one source: each count of a cycle goes into the cycle report
 * and into its Prometheus series in the same call (`#add`), so the two cannot drift apart. The
 * service records what happened (a relay run ended, a batch was written, a relay was leased
 * elsewhere) and reads the report and the progress from here.
 */
import type { ArchiveResult } from "../../core/db/archive.js";
import type { LabelledCounter, Labels, ServiceMetrics } from "../../core/metrics.js";
import type { Network } from "../../models/index.js";
import { type SynchronizerMetrics, synchronizerMetrics } from "./metrics.js";
import type { RelaySyncReport } from "./relay-run.js";

/** A cycle's progress so far (SynchronizerOptions.onProgress). */
export interface SyncProgress {
  /** Relays selected this cycle. */
  relays: number;
  /** Relays finished (synced, failed, or leased by another process). */
  done: number;
  /** Distinct events fetched, per relay. */
  events: number;
  /** New events stored. */
  stored: number;
  invalid: number;
  gaps: number;
  /** Sightings waiting for the writer. */
  queued: number;
}

const emptyReport = (relays: number) => ({
  relays,
  leased_elsewhere: 0,
  synced: 0,
  failed: 0,
  events: 0,
  stored: 0,
  sightings: 0,
  invalid: 0,
  gaps: 0,
  gaps_closed: 0,
  requests: 0,
  negentropy_relays: 0,
  fallbacks: 0,
  neg_rounds: 0,
  sightings_without_download: 0,
  fetched_by_id: 0,
  relay_lacks: 0,
  bytes_received: 0,
  bytes_sent: 0,
});

/** The cycle report (`cycle_completed`): the keys tests, benches and dashboards read. */
export type SyncReport = ReturnType<typeof emptyReport>;

/** Why events of a relay were refused, with how many (a metric label each). */
function invalidByReason(r: RelaySyncReport): [string, number][] {
  return [
    ["bad-id", r.stats.badId],
    ["bad-sig", r.stats.badSig],
    ["invalid", r.stats.invalid],
    ["out-of-bounds", r.outOfBounds],
  ];
}

export class SyncTally {
  readonly report: SyncReport;
  readonly #m: SynchronizerMetrics;
  readonly #gaps = new Map<Network, number>();

  constructor(metrics: ServiceMetrics, relays: number) {
    this.#m = synchronizerMetrics(metrics);
    this.report = emptyReport(relays);
  }

  /** Adds `n` to a report key and, when given, to a metric series. */
  #add(key: keyof SyncReport, n: number, series?: [LabelledCounter, Labels]): void {
    this.report[key] += n;
    series?.[0].inc(series[1], n);
  }

  /** A relay run that ended (caught up or not): everything it counted. */
  relaySynced(network: Network, r: RelaySyncReport): void {
    const m = this.#m;
    const n = r.negentropy;
    const on = { network };
    this.#add("synced", 1);
    this.#add("events", r.events + n.fetched, [m.fetched, on]);
    this.#add("requests", r.requests + n.requests, [m.requests, on]);
    this.#add("gaps", r.gaps.length);
    this.#gaps.set(network, (this.#gaps.get(network) ?? 0) + r.gaps.length);
    this.#add("gaps_closed", r.gapsClosed);
    this.#add("negentropy_relays", r.path.path === "negentropy" ? 1 : 0);
    this.#add("fallbacks", r.fellBack ? 1 : 0);
    this.#add("neg_rounds", n.rounds, [m.negRounds, on]);
    this.#add("sightings_without_download", n.sightedOnly, [
      m.negNeeded,
      { network, outcome: "sighted" },
    ]);
    this.#add("fetched_by_id", n.fetched, [m.negNeeded, { network, outcome: "fetched" }]);
    m.negNeeded.inc({ network, outcome: "unfetched" }, n.unfetched);
    this.#add("relay_lacks", n.relayLacks, [m.relayLacks, on]);
    const bytes = r.stats;
    this.#add("bytes_received", bytes.bytesReceived, [m.bytes, { network, direction: "received" }]);
    this.#add("bytes_sent", bytes.bytesSent, [m.bytes, { network, direction: "sent" }]);
    for (const [reason, count] of invalidByReason(r)) {
      this.#add("invalid", count, count > 0 ? [m.invalid, { network, reason }] : undefined);
    }
    m.paths.inc({ network, path: r.path.path, reason: r.path.reason });
    m.relays.inc({ network, outcome: r.caughtUp ? "caught-up" : "partial" });
  }

  relayFailed(network: Network): void {
    this.#add("failed", 1, [this.#m.relays, { network, outcome: "failed" }]);
  }

  leasedElsewhere(relays: number): void {
    this.#add("leased_elsewhere", relays);
  }

  /** A batch the writer committed; `queued`: the sightings still waiting. */
  batchWritten(result: ArchiveResult, queued: number): void {
    const m = this.#m;
    this.#add("stored", result.events, [m.stored, { table: "event" }]);
    this.#add("sightings", result.eventRelays, [m.stored, { table: "event_relay" }]);
    const unstorable = result.rejected.length;
    if (unstorable > 0)
      this.#add("invalid", unstorable, [m.invalid, { network: "any", reason: "unstorable" }]);
    m.queue.set({ stage: "queued" }, queued);
  }

  /** The end of a cycle: the gauges of what it left (gaps per network, an empty queue). */
  close(networks: readonly Network[]): void {
    for (const n of networks) this.#m.gaps.set({ network: n }, this.#gaps.get(n) ?? 0);
    this.#m.queue.set({ stage: "queued" }, 0);
  }

  progress(queued: number): SyncProgress {
    const r = this.report;
    const done = r.synced + r.failed + r.leased_elsewhere;
    const { relays, events, stored, invalid, gaps } = r;
    return { relays, done, events, stored, invalid, gaps, queued };
  }
}
