import { DbError } from "../../core/db/errors.js";
import { leasedWork } from "../../core/db/leased-work.js";
import { storedEventIds } from "../../core/db/read/events.js";
import { relaysToSync, type SyncCandidate } from "../../core/db/read/sync-relays.js";
import type { CycleReport, Service, ServiceContext } from "../../core/service.js";
import { toError } from "../../models/errors.js";
import type { Network } from "../../models/index.js";
import type { Resolver } from "../../utils/dns.js";
import { createVerifier, type Verifier } from "../../utils/verify/pool.js";
import type { ServiceDeps } from "../shared/deps.js";
import type { SynchronizerConfig } from "./config.js";
import { SYNCHRONIZER } from "./cursor.js";
import { synchronizerMetrics } from "./metrics.js";
import { type RelaySyncReport, syncRelay } from "./relay-sync.js";
import { batchVerifier } from "./verify-batch.js";
import { SightingWriter } from "./writer.js";

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

export interface SynchronizerOptions {
  /** This process's lease holder name (default: random); tests name their instances. */
  holder?: string;
  /** Name resolution for clearnet hosts (default: the system resolver). Tests pass a fake. */
  resolver?: Resolver;
  /** Sync only this relay (CLI `--relay`). */
  relayUrl?: string;
  /** Verifier threads (default: one per core). */
  verifierThreads?: number;
  /** Called after each relay and each written batch (the CLI's progress line). */
  onProgress?: (p: SyncProgress) => void;
}

/**
 * Seconds a relay's lease lasts without renewal. A heartbeat renews it every third of that
 * while this process holds it, so a killed synchronizer's relays are free again within this,
 * however long their syncs would have taken.
 */
const LEASE_TTL_SECONDS = 90;

interface NegTally {
  requests: number;
  gaps_closed: number;
  negentropy_relays: number;
  fallbacks: number;
  neg_rounds: number;
  sightings_without_download: number;
  fetched_by_id: number;
  relay_lacks: number;
  bytes_received: number;
  bytes_sent: number;
  events: number;
}

/** The path, NIP-77 and byte counts of one relay into the cycle report and the metrics. */
function tally(ctx: ServiceContext, network: Network, r: RelaySyncReport, report: NegTally) {
  const m = synchronizerMetrics(ctx.metrics);
  const n = r.negentropy;
  report.requests += r.requests + n.requests;
  report.gaps_closed += r.gapsClosed;
  if (r.path.path === "negentropy") report.negentropy_relays++;
  if (r.fellBack) report.fallbacks++;
  report.neg_rounds += n.rounds;
  report.sightings_without_download += n.sightedOnly;
  report.fetched_by_id += n.fetched;
  report.relay_lacks += n.relayLacks;
  report.bytes_received += r.stats.bytesReceived;
  report.bytes_sent += r.stats.bytesSent;
  report.events += n.fetched;
  m.bytes.inc({ network, direction: "received" }, r.stats.bytesReceived);
  m.bytes.inc({ network, direction: "sent" }, r.stats.bytesSent);
  m.paths.inc({ network, path: r.path.path, reason: r.path.reason });
  m.negRounds.inc({ network }, n.rounds);
  m.negNeeded.inc({ network, outcome: "sighted" }, n.sightedOnly);
  m.negNeeded.inc({ network, outcome: "fetched" }, n.fetched);
  m.negNeeded.inc({ network, outcome: "unfetched" }, n.unfetched);
  m.relayLacks.inc({ network }, n.relayLacks);
}

function countInvalid(ctx: ServiceContext, network: Network, r: RelaySyncReport): number {
  const m = synchronizerMetrics(ctx.metrics);
  const reasons: [string, number][] = [
    ["bad-id", r.stats.badId],
    ["bad-sig", r.stats.badSig],
    ["invalid", r.stats.invalid],
    ["out-of-bounds", r.outOfBounds],
  ];
  let total = 0;
  for (const [reason, n] of reasons) {
    if (n > 0) m.invalid.inc({ network, reason }, n);
    total += n;
  }
  return total;
}

/**
 * The synchronizer: archives the events of every selected relay (most behind first) into
 * event / event_relay, one writer per process, per-network concurrency, a per-relay cursor
 * committed with the data it covers (docs/database.md, "Write path and crash safety").
 */
export function createSynchronizer(
  deps: ServiceDeps,
  config: SynchronizerConfig,
  options: SynchronizerOptions = {},
): Service {
  const p = config.processing;
  const leases = leasedWork({
    service: SYNCHRONIZER,
    holder: options.holder ?? deps.instanceId,
    networks: deps.brotr.networks,
    ttl: LEASE_TTL_SECONDS,
  });
  let verifier: Verifier | undefined;

  async function runCycle(ctx: ServiceContext): Promise<CycleReport> {
    const m = synchronizerMetrics(ctx.metrics);
    verifier ??= await createVerifier(
      options.verifierThreads === undefined ? {} : { threads: options.verifierThreads },
    );
    const networks = leases.networks;
    const relays = await relaysToSync(ctx.db, {
      service: SYNCHRONIZER,
      networks,
      requireReadable: p.require_readable,
      checkedSince: ctx.now() - p.max_metadata_age,
      ...(options.relayUrl ? { url: options.relayUrl } : {}),
    });
    const report = {
      relays: relays.length,
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
    };
    const progress = () =>
      options.onProgress?.({
        relays: report.relays,
        done: report.synced + report.failed + report.leased_elsewhere,
        events: report.events,
        stored: report.stored,
        invalid: report.invalid,
        gaps: report.gaps,
        queued: writer.queued,
      });
    const writer = new SightingWriter(ctx.db, {
      profile: deps.brotr.profile,
      batchSize: p.batch_size,
      flushMs: p.flush_ms,
      maxQueue: p.max_queue,
      maxQueueBytes: p.max_queue_mb * 2 ** 20,
      onBatch: (result) => {
        report.stored += result.events;
        report.sightings += result.eventRelays;
        m.stored.inc({ table: "event" }, result.events);
        m.stored.inc({ table: "event_relay" }, result.eventRelays);
        if (result.rejected.length > 0) {
          report.invalid += result.rejected.length;
          m.invalid.inc({ network: "any", reason: "unstorable" }, result.rejected.length);
        }
        m.queue.set({ stage: "queued" }, writer.queued);
        progress();
      },
    });
    const verify = batchVerifier({
      verifier,
      lookupStored: (ids) => storedEventIds(ctx.db, ids),
      onStored: (ids) => writer.markStored(ids),
      onSkipped: (n) => m.signaturesSkipped.inc({}, n),
      signal: ctx.signal,
    });
    const gapsByNetwork = new Map<Network, number>();
    const one = async (relay: SyncCandidate) => {
      try {
        const r = await syncRelay(
          {
            db: ctx.db,
            deps,
            processing: p,
            writer,
            verify,
            now: ctx.now,
            signal: ctx.signal,
            ...(options.resolver ? { resolver: options.resolver } : {}),
          },
          relay,
        );
        report.synced++;
        tally(ctx, relay.network, r, report);
        report.events += r.events;
        report.invalid += countInvalid(ctx, relay.network, r);
        report.gaps += r.gaps.length;
        gapsByNetwork.set(relay.network, (gapsByNetwork.get(relay.network) ?? 0) + r.gaps.length);
        m.fetched.inc({ network: relay.network }, r.events + r.negentropy.fetched);
        m.requests.inc({ network: relay.network }, r.requests + r.negentropy.requests);
        m.relays.inc({ network: relay.network, outcome: r.caughtUp ? "caught-up" : "partial" });
        ctx.log.info(
          {
            relay: relay.url,
            events: r.events,
            requests: r.requests,
            windows: r.windows,
            gaps: r.gaps.length,
            caughtUp: r.caughtUp,
            path: r.path.path,
            pathReason: r.path.reason,
            ...(r.path.path === "negentropy" || r.fellBack ? { negentropy: r.negentropy } : {}),
          },
          "relay_synced",
        );
      } catch (error) {
        // The database failing is the cycle's failure, not the relay's.
        if (error instanceof DbError) throw error;
        report.failed++;
        m.relays.inc({ network: relay.network, outcome: "failed" });
        ctx.log.warn({ relay: relay.url, err: toError(error).message }, "relay_sync_failed");
      }
      progress();
    };
    const queue = [...relays];
    await leases.run(ctx, {
      key: (relay) => relay.url,
      list: async (max) => queue.splice(0, max),
      // A relay is leased when its network has a free slot, not while it waits for one.
      take: "each",
      work: one,
      // Released only once the cursors are written: whoever takes a relay next starts there.
      holdToEnd: true,
      drain: async () => {
        await writer.flush();
        progress();
      },
      onLeasedElsewhere: (items) => {
        report.leased_elsewhere += items.length;
        progress();
      },
      onLost: (lost) => ctx.log.warn({ relays: lost.length }, "synchronizer_leases_lost"),
    });
    for (const n of networks) m.gaps.set({ network: n }, gapsByNetwork.get(n) ?? 0);
    m.queue.set({ stage: "queued" }, 0);
    return report;
  }

  return {
    name: SYNCHRONIZER,
    /** Drops leases that ran out (a crashed process's); they are free either way. */
    cleanup: (ctx) => leases.cleanup(ctx),
    runCycle,
    async close() {
      await verifier?.close();
      verifier = undefined;
    },
  };
}
