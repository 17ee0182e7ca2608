import { isDatabaseFailure } from "../../core/db/errors.js";
import { type LeasedCycle, leasedWork } from "../../core/db/leased-work.js";
import { storedEventSigs } from "../../core/db/read/events.js";
import { archiveCoverage } from "../../core/db/read/relay-coverage.js";
import { deleteOldCoverage } from "../../core/db/relay-coverage.js";
import { SYNCHRONIZER } from "../../core/db/service-state/services.js";
import {
  relaysToSync,
  type SyncCandidate,
  syncedSinceListed,
} from "../../core/db/service-state/sync-cursor.js";
import {
  clearSyncFailures,
  failingRelays,
  recordSyncFailure,
} from "../../core/db/service-state/sync-failure.js";
import type { CycleReport, Service, ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import { toError } from "../../models/errors.js";
import type { ScreenBatch } from "../../nips/nip01/index.js";
import type { Resolver } from "../../utils/dns.js";
import { IdCache } from "../../utils/verify/id-cache.js";
import { createVerifier, type Verifier } from "../../utils/verify/pool.js";
import type { SynchronizerConfig, SyncProcessing } from "./config.js";
import type { BackfillCount } from "./live/live-counts.js";
import { type LiveDeps, runLive } from "./live/live-loop.js";
import { liveMetrics } from "./live/metrics.js";
import { synchronizerMetrics } from "./metrics.js";
import { relaySettings, type SyncCycle } from "./relay-run.js";
import { syncRelay } from "./relay-sync.js";
import { type SyncProgress, SyncTally } from "./tally.js";
import { batchVerifier } from "./verify-batch.js";
import { SightingWriter } from "./writer.js";

export type { SyncProgress } from "./tally.js";

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
  /** Called with each committed batch of live events (the bench's latency probe). */
  onLiveCommitted?: LiveDeps["onCommitted"];
}

/** Verifier threads from which frames are screened on them (one: the single-thread path). */
const SCREEN_MIN_THREADS = 2;

/** Archived ids a process remembers, shared by its live and cycle writers (about 12 MB). */
const STORED_IDS = 100_000;

/** What the cycles and the live loop of one process share. */
interface Shared {
  stored: IdCache;
  backfill: BackfillCount;
}

/**
 * Seconds a relay's lease lasts without renewal. A heartbeat renews it every third of that
 * while this process holds it, so a killed synchronizer's relays are free again within this,
 * however long their syncs would have taken.
 */
const LEASE_TTL_SECONDS = 90;

/**
 * One relay synced and counted; a relay's failure is counted and its reason recorded (for
 * `bigbrotr status`, until a run succeeds: `failing` holds the relays with one), the
 * database's is thrown.
 */
async function syncOne(
  cycle: SyncCycle,
  tally: SyncTally,
  ctx: ServiceContext,
  relay: SyncCandidate,
  failing: ReadonlySet<string>,
) {
  try {
    const r = await syncRelay(cycle, relay);
    if (failing.has(relay.url)) await clearSyncFailures(ctx.db, [relay.url]);
    tally.relaySynced(relay.network, r);
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
    // The database failing is the cycle's failure, not the relay's (also when it failed
    // inside the relay client: the signature check looks the ids up in the archive).
    if (isDatabaseFailure(error)) throw error;
    // Shutdown cut it short: the relay did not fail, and the next process resumes its cursor.
    if (ctx.signal.aborted) {
      ctx.log.debug({ relay: relay.url }, "relay_sync_interrupted");
      return;
    }
    tally.relayFailed(relay.network);
    const reason = toError(error).message;
    ctx.log.warn({ relay: relay.url, err: reason }, "relay_sync_failed");
    await recordSyncFailure(ctx.db, relay.url, reason, ctx.now());
  }
}

/** The process's one writer for a cycle: the tally counts its batches, then `progress`. */
function startWriter(
  ctx: ServiceContext,
  deps: ServiceDeps,
  p: SyncProcessing,
  shared: Shared,
  tally: SyncTally,
  progress: () => void,
): SightingWriter {
  const archived = liveMetrics(ctx.metrics).archived;
  const writer: SightingWriter = new SightingWriter(ctx.db, {
    profile: deps.brotr.profile,
    batchSize: p.batch_size,
    flushMs: p.flush_ms,
    maxQueue: p.max_queue,
    maxQueueBytes: p.max_queue_mb * 2 ** 20,
    stored: shared.stored,
    onBatch: (result) => {
      shared.backfill.events += result.events;
      archived.inc({ path: "backfill" }, result.events);
      tally.batchWritten(result, writer.queued);
      progress();
    },
  });
  return writer;
}

/** The cycle's signature checks: copies stored or verified before are not checked again. */
function startVerify(
  ctx: ServiceContext,
  verifier: Verifier,
  onStored: (ids: Set<string>) => void,
) {
  return batchVerifier({
    verifier,
    lookupStored: (ids) => storedEventSigs(ctx.db, ids),
    onStored,
    onSkipped: (n) => synchronizerMetrics(ctx.metrics).signaturesSkipped.inc({}, n),
    signal: ctx.signal,
  });
}

/**
 * Where the REQ walk's frames are parsed, id-hashed and filter-matched: on the verifier's
 * threads when it has two or more (the main thread then gets each batch's events with their
 * archive columns computed), else here, by the relay client (the single-thread path).
 */
function screenOn(verifier: Verifier, signal: AbortSignal): { screen?: ScreenBatch } {
  if (verifier.threads < SCREEN_MIN_THREADS) return {};
  return { screen: (frames, filters) => verifier.screenFrames(frames, filters, signal) };
}

/**
 * The cycle's relays as leased work: each leased when its network has a free slot (not while
 * it waits for one), every lease kept until the writer's last batch has committed the cursors,
 * so whoever takes a relay next starts where this cycle left it.
 */
function relayWork(
  ctx: ServiceContext,
  cycle: SyncCycle,
  tally: SyncTally,
  relays: readonly SyncCandidate[],
  progress: () => void,
  failing: ReadonlySet<string>,
): LeasedCycle<SyncCandidate, void> {
  const queue = [...relays];
  return {
    key: (relay) => relay.url,
    list: async (max) => queue.splice(0, max),
    take: "each",
    work: async (relay) => {
      // Synced by another replica since this cycle listed it: its turn is done.
      if (await syncedSinceListed(ctx.db, relay)) tally.leasedElsewhere(1);
      else await syncOne(cycle, tally, ctx, relay, failing);
      progress();
    },
    holdToEnd: true,
    drain: async () => {
      await cycle.writer.flush();
      progress();
    },
    onLeasedElsewhere: (items) => {
      tally.leasedElsewhere(items.length);
      progress();
    },
    onLost: (lost) => ctx.log.warn({ relays: lost.length }, "synchronizer_leases_lost"),
  };
}

/**
 * The synchronizer: archives the events of every selected relay (most behind first) into
 * event / event_relay, one writer per process, per-network concurrency, a per-relay cursor
 * committed with the data it covers (docs/database.md, "Write path and crash safety").
 */
/** The archive's coverage gauges, from each relay's newest measurement. */
async function coverageGauges(ctx: ServiceContext): Promise<void> {
  const a = await archiveCoverage(ctx.db);
  const m = synchronizerMetrics(ctx.metrics);
  if (a.coverage !== null) m.coverage.set({}, a.coverage);
  m.coverageRelays.set({ state: "measured" }, a.measured);
  m.coverageRelays.set({ state: "flagged" }, a.flagged);
  m.coverageRelays.set({ state: "unknown" }, a.unknown);
}

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
  const resolver = options.resolver ? { resolver: options.resolver } : {};
  const settingsOf = relaySettings(p);
  const shared: Shared = { stored: new IdCache(STORED_IDS), backfill: { events: 0 } };
  let verifier: Promise<Verifier> | undefined;
  const verifierOf = () => {
    verifier ??= createVerifier(
      options.verifierThreads === undefined ? {} : { threads: options.verifierThreads },
    );
    return verifier;
  };

  /** Live ingest beside the cycles (live/live-loop.ts), sharing their verifier and id cache. */
  async function live(ctx: ServiceContext): Promise<void> {
    const { stored } = shared;
    const markStored = (ids: Set<string>) => {
      for (const id of ids) stored.add(id);
    };
    await runLive(ctx, {
      ...{ deps, processing: p, settingsOf, holder: leases.holder, stored },
      verify: startVerify(ctx, await verifierOf(), markStored),
      backfill: shared.backfill,
      ...resolver,
      ...(options.onLiveCommitted ? { onCommitted: options.onLiveCommitted } : {}),
    });
  }

  async function runCycle(ctx: ServiceContext): Promise<CycleReport> {
    const verifier = await verifierOf();
    const relays = await relaysToSync(ctx.db, {
      networks: leases.networks,
      requireReadable: p.require_readable,
      checkedSince: ctx.now() - p.max_metadata_age,
      ...(options.relayUrl ? { url: options.relayUrl } : {}),
    });
    const tally = new SyncTally(ctx.metrics, relays.length);
    const progress = () => options.onProgress?.(tally.progress(writer.queued));
    const writer = startWriter(ctx, deps, p, shared, tally, progress);
    const verify = startVerify(ctx, verifier, (ids) => writer.markStored(ids));
    const { db, now, signal } = ctx;
    const cycle: SyncCycle = {
      ...{ db, deps, processing: p, settingsOf, writer, verify, now, signal },
      ...screenOn(verifier, signal),
      ...resolver,
    };
    const failing = await failingRelays(ctx.db);
    await leases.runCycle(ctx, relayWork(ctx, cycle, tally, relays, progress, failing));
    tally.close(leases.networks);
    if (p.coverage.enabled) await coverageGauges(ctx);
    const probes = writer.probesSkipped;
    return probes > 0 ? { ...tally.report, write_probes_skipped: probes } : tally.report;
  }

  return {
    name: SYNCHRONIZER,
    /** Drops leases that ran out (a crashed process's); they are free either way. */
    cleanup: async (ctx) =>
      (await leases.cleanup(ctx)) +
      (await deleteOldCoverage(ctx.db, ctx.now() - p.coverage.retention)),
    runCycle,
    ...(p.live.enabled && options.relayUrl === undefined ? { background: live } : {}),
    async close() {
      const v = verifier;
      verifier = undefined;
      await (await v)?.close();
    },
  };
}
