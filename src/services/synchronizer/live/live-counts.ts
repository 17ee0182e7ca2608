/**
 * The live path's numbers: metrics as they happen, and the per-process summary written for
 * `bigbrotr status` every refresh (rates over the interval since the last summary).
 */
import type { ArchiveResult } from "../../../core/db/archive.js";
import type { LiveStatus } from "../../../core/db/service-state/live-status.js";
import type { ServiceMetrics } from "../../../core/metrics.js";
import type { Network } from "../../../models/network.js";
import type { LiveItem, LiveRejection } from "./ingest.js";
import { LagWindow } from "./lag-window.js";
import { type LiveMetrics, liveMetrics } from "./metrics.js";

/** Events new to the archive by the windowed cycles (their writers add to it). */
export interface BackfillCount {
  events: number;
}

export class LiveCounts {
  readonly metrics: LiveMetrics;
  readonly #backfill: BackfillCount;
  readonly #lag = new LagWindow();
  #liveEvents = 0;
  #reconnects = 0;
  #throttledEvents = 0;
  #rejected = 0;
  #last = { at: Date.now(), live: 0, backfill: 0 };

  constructor(metrics: ServiceMetrics, backfill: BackfillCount) {
    this.metrics = liveMetrics(metrics);
    this.#backfill = backfill;
  }

  committed(items: readonly LiveItem[], result: ArchiveResult): void {
    const now = Date.now();
    for (const item of items) {
      const seconds = Math.max(0, now - item.receivedAt) / 1000;
      this.#lag.add(seconds * 1000);
      this.metrics.lag.observe({}, seconds);
    }
    this.#liveEvents += result.events;
    this.metrics.archived.inc({ path: "live" }, result.events);
  }

  received(network: Network): void {
    this.metrics.received.inc({ network });
  }

  reconnected(network: Network): void {
    this.#reconnects++;
    this.metrics.reconnects.inc({ network });
  }

  throttled(network: Network, n: number): void {
    this.#throttledEvents += n;
    this.metrics.throttled.inc({ network }, n);
  }

  rejected(network: Network, reason: LiveRejection | "bad-id" | "invalid" | "future", n = 1): void {
    this.#rejected += n;
    this.metrics.rejected.inc({ network, reason }, n);
  }

  /** The summary since the previous one (and gauges set from it). */
  status(holder: string, open: number, throttledRelays: number, at: number): LiveStatus {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.#last.at) / 1000);
    const rate = (n: number) => Math.round((n / seconds) * 10) / 10;
    const live = rate(this.#liveEvents - this.#last.live);
    const backfill = rate(this.#backfill.events - this.#last.backfill);
    this.#last = { at: now, live: this.#liveEvents, backfill: this.#backfill.events };
    this.metrics.throttledRelays.set({}, throttledRelays);
    const q = (p: number) => {
      const v = this.#lag.quantile(p);
      return v === null ? null : Math.round(v);
    };
    return {
      ...{ holder, at, open, liveEventsPerS: live, backfillEventsPerS: backfill },
      ...{ lagP50Ms: q(0.5), lagP95Ms: q(0.95), reconnects: this.#reconnects },
      ...{ throttledRelays, throttledEvents: this.#throttledEvents, rejected: this.#rejected },
    };
  }
}
