import { describe, expect, it } from "vitest";
import { createRegistry, createServiceMetrics } from "../../../../src/core/metrics.js";
import { emptyStats } from "../../../../src/nips/nip01/stats.js";
import type { RelaySyncReport } from "../../../../src/services/synchronizer/relay-run.js";
import { SyncTally } from "../../../../src/services/synchronizer/tally.js";
import { metricValue } from "../../../support/service-context.js";

function relayReport(): RelaySyncReport {
  return {
    url: "wss://r.example",
    events: 40,
    requests: 7,
    windows: 3,
    gaps: [],
    gapsClosed: 2,
    outOfBounds: 1,
    stats: { ...emptyStats(), bytesReceived: 5000, bytesSent: 300, badId: 2, badSig: 3 },
    caughtUp: true,
    path: { path: "negentropy", reason: "nip11", detail: "listed", at: 1 },
    fellBack: false,
    negentropy: {
      sessions: 1,
      rounds: 4,
      relayLacks: 6,
      needed: 15,
      sightedOnly: 5,
      fetched: 9,
      unfetched: 1,
      requests: 2,
    },
  };
}

describe("SyncTally", () => {
  it("feeds the cycle report and the metrics from the same counts", async () => {
    const registry = createRegistry();
    const tally = new SyncTally(createServiceMetrics(registry, "synchronizer"), 3);
    tally.relaySynced("clearnet", relayReport());
    tally.relayFailed("tor");
    tally.leasedElsewhere(1);
    tally.batchWritten({ events: 30, eventRelays: 45, relays: 0, rejected: [] }, 0);
    tally.close(["clearnet", "tor"]);
    expect(tally.report).toEqual({
      relays: 3,
      leased_elsewhere: 1,
      synced: 1,
      failed: 1,
      events: 49,
      stored: 30,
      sightings: 45,
      invalid: 6,
      gaps: 0,
      gaps_closed: 2,
      requests: 9,
      negentropy_relays: 1,
      fallbacks: 0,
      neg_rounds: 4,
      sightings_without_download: 5,
      fetched_by_id: 9,
      relay_lacks: 6,
      bytes_received: 5000,
      bytes_sent: 300,
    });
    expect(tally.progress(4)).toEqual({
      relays: 3,
      done: 3,
      events: 49,
      stored: 30,
      invalid: 6,
      gaps: 0,
      queued: 4,
    });
    const m = (name: string, labels: Record<string, string> = {}) =>
      metricValue(registry, `brotr_synchronizer_${name}`, labels);
    const clearnet = { network: "clearnet" };
    expect(await m("events_fetched_total", clearnet)).toBe(tally.report.events);
    expect(await m("requests_total", clearnet)).toBe(tally.report.requests);
    expect(await m("negentropy_rounds_total", clearnet)).toBe(tally.report.neg_rounds);
    expect(await m("relay_lacks_total", clearnet)).toBe(tally.report.relay_lacks);
    const needed = (outcome: string) => m("negentropy_needed_total", { ...clearnet, outcome });
    expect(await needed("sighted")).toBe(tally.report.sightings_without_download);
    expect(await needed("fetched")).toBe(tally.report.fetched_by_id);
    expect(await needed("unfetched")).toBe(1);
    const bytes = (direction: string) => m("bytes_total", { ...clearnet, direction });
    expect(await bytes("received")).toBe(tally.report.bytes_received);
    expect(await bytes("sent")).toBe(tally.report.bytes_sent);
    const invalid = (reason: string) => m("invalid_events_total", { ...clearnet, reason });
    expect([
      await invalid("bad-id"),
      await invalid("bad-sig"),
      await invalid("out-of-bounds"),
    ]).toEqual([2, 3, 1]);
    // A reason that never occurred has no series.
    expect(await invalid("invalid")).toBeUndefined();
    expect(await m("rows_stored_total", { table: "event" })).toBe(tally.report.stored);
    expect(await m("rows_stored_total", { table: "event_relay" })).toBe(tally.report.sightings);
    expect(await m("relays_total", { ...clearnet, outcome: "caught-up" })).toBe(1);
    expect(await m("relays_total", { network: "tor", outcome: "failed" })).toBe(1);
    expect(await m("paths_total", { ...clearnet, path: "negentropy", reason: "nip11" })).toBe(1);
    expect(await m("gaps", { network: "tor" })).toBe(0);
  });
});
