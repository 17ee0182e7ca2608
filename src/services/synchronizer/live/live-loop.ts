/**
 * Live ingest: the synchronizer's loop that runs beside its windowed cycles for as long as
 * the process runs (core/service.ts `background`). Every `refresh` it looks at the readable
 * relays (re-listed at most every LIST_EVERY_MS), holds a live subscription on each relay
 * whose lease it holds (relay-set.ts), and reports its numbers (metrics, `bigbrotr status`).
 * Events go through one verification and write pipeline (ingest.ts). A database outage is
 * logged once per process (`ctx.outage`, shared with the cycles); the loop goes on and the
 * subscriptions stay open.
 */
import pLimit from "p-limit";
import { proxyOf } from "../../../core/config/proxy.js";
import { deleteLiveStatus, writeLiveStatus } from "../../../core/db/service-state/live-status.js";
import { relaysToSync, type SyncCandidate } from "../../../core/db/service-state/sync-cursor.js";
import { type ServiceContext, sleep } from "../../../core/service.js";
import type { ServiceDeps } from "../../../core/service-deps.js";
import { toError } from "../../../models/errors.js";
import { NETWORKS, type Network } from "../../../models/network.js";
import { connectRelay, type VerifyBatch } from "../../../nips/nip01/index.js";
import type { Resolver } from "../../../utils/dns.js";
import type { IdCache } from "../../../utils/verify/id-cache.js";
import type { SyncProcessing } from "../config.js";
import type { RelaySettings } from "../relay-run.js";
import { SightingWriter } from "../writer.js";
import { LiveIngest, type LiveItem } from "./ingest.js";
import { type BackfillCount, LiveCounts } from "./live-counts.js";
import { RelayLive, type RelayLiveEnv } from "./relay-live.js";
import { RelaySet } from "./relay-set.js";

/**
 * Newest created_at live takes, in seconds past the time of arrival (clock skew). The windowed
 * cycles fetch nothing newer than now − end_lag, so an event dated later (a relay serving 2096)
 * waits, as there, until its date comes; live refuses it and counts it ("future").
 */
const MAX_FUTURE_S = 900;

/** The relay list is read again at most this often (leases are looked at every refresh). */
const LIST_EVERY_MS = 30_000;

export interface LiveDeps {
  deps: ServiceDeps;
  processing: SyncProcessing;
  settingsOf: (url: string) => RelaySettings;
  holder: string;
  verify: VerifyBatch;
  /** Archived ids, shared with the cycles' writers (they then skip those events). */
  stored: IdCache;
  backfill: BackfillCount;
  resolver?: Resolver;
  /** Called with each committed live batch (the bench's latency probe). */
  onCommitted?: (items: readonly LiveItem[]) => void;
}

/** Networks with live subscriptions: enabled in brotr.yaml and under `live.networks`. */
function liveNetworks(d: LiveDeps): Map<Network, number> {
  const live = d.processing.live.networks;
  const out = new Map<Network, number>();
  for (const n of NETWORKS) {
    if (d.deps.brotr.networks[n].enabled && live[n].enabled) out.set(n, live[n].max_subscriptions);
  }
  return out;
}

/**
 * The live path's pipeline and writer. Their failures report to the process's outage with the
 * epoch read when the failed work began, so a write held by a frozen server that fails after
 * the database came back does not open a new outage.
 */
export function liveIngestOf(ctx: ServiceContext, d: LiveDeps, counts: LiveCounts): LiveIngest {
  const l = d.processing.live;
  const { outage } = ctx;
  return new LiveIngest({
    batchSize: l.batch_size,
    collectMs: Math.min(50, l.flush_ms),
    maxPending: l.max_pending,
    verify: d.verify,
    makeWriter: (onBatch) =>
      new SightingWriter(ctx.db, {
        profile: d.deps.brotr.profile,
        ...{ batchSize: l.batch_size, flushMs: l.flush_ms, maxQueue: l.max_pending },
        stored: d.stored,
        epoch: () => outage.epoch,
        onBatch,
      }),
    onCommitted: (items, result) => {
      outage.succeeded();
      counts.committed(items, result);
      d.onCommitted?.(items);
    },
    onRejected: (items, reason) => {
      for (const i of items) counts.rejected(i.network, reason);
    },
    epoch: () => outage.epoch,
    onFailure: (error, since) => {
      const lost = outage.failed(error, since);
      if (lost) ctx.log.debug({ reason: lost.message }, "live_write_failed");
      else ctx.log.warn({ err: toError(error) }, "live_write_failed");
    },
  });
}

function envOf(ctx: ServiceContext, d: LiveDeps, ingest: LiveIngest, counts: LiveCounts) {
  const l = d.processing.live;
  const { brotr, secretKey } = d.deps;
  const slots = pLimit(l.connect_concurrency);
  const env: RelayLiveEnv = {
    connect: (url, network, signal) =>
      slots(() =>
        connectRelay(url, {
          network,
          timeoutMs: brotr.networks[network].timeout * 1000,
          allowPrivate: brotr.allow_private,
          allowInsecure: d.processing.allow_insecure,
          signal: AbortSignal.any([signal, ctx.signal]),
          ...proxyOf(brotr.networks, network),
          ...(d.resolver ? { resolver: d.resolver } : {}),
          ...(secretKey ? { auth: { secretKey } } : {}),
        }),
      ),
    filterOf: (url) => d.settingsOf(url).filter,
    resume: { lookback: l.lookback, maxCatchup: l.max_catchup },
    backoff: {
      minMs: l.reconnect_min * 1000,
      maxMs: l.reconnect_max * 1000,
      stableMs: l.reconnect_stable * 1000,
    },
    rate: { perS: l.max_events_per_s, burst: l.burst },
    offer: (relay, event, receivedAt) => {
      counts.received(relay.network);
      const seenAt = Math.floor(receivedAt / 1000);
      if (event.created_at > seenAt + MAX_FUTURE_S) {
        counts.rejected(relay.network, "future");
        return true;
      }
      return ingest.offer({
        event,
        relayUrl: relay.url,
        network: relay.network,
        seenAt,
        receivedAt,
      });
    },
    onOpen: (relay, reconnect) => reconnect && counts.reconnected(relay.network),
    onClose: () => {},
    onCounts: (relay, c) => {
      if (c.throttled > 0) counts.throttled(relay.network, c.throttled);
      if (c.badId > 0) counts.rejected(relay.network, "bad-id", c.badId);
      if (c.invalid > 0) counts.rejected(relay.network, "invalid", c.invalid);
    },
    onOverflow: (relay) => counts.rejected(relay.network, "overflow"),
    now: ctx.now,
  };
  return env;
}

/** Runs live ingest until `ctx.signal` aborts; never throws. */
export async function runLive(ctx: ServiceContext, d: LiveDeps): Promise<void> {
  const l = d.processing.live;
  const counts = new LiveCounts(ctx.metrics, d.backfill);
  const ingest = liveIngestOf(ctx, d, counts);
  const env = envOf(ctx, d, ingest, counts);
  const set = new RelaySet({
    ...{ db: ctx.db, holder: d.holder, ttl: l.lease_ttl, now: ctx.now },
    max: liveNetworks(d),
    start: (relay) => new RelayLive(relay, env),
  });
  const { outage } = ctx;
  const listing = { at: 0, relays: [] as SyncCandidate[] };
  ctx.log.info({ networks: [...liveNetworks(d).keys()] }, "live_started");
  while (!ctx.signal.aborted) {
    const epoch = outage.epoch;
    try {
      if (Date.now() - listing.at >= Math.min(LIST_EVERY_MS, l.refresh * 6000)) {
        listing.relays = await relaysToSync(ctx.db, {
          networks: [...liveNetworks(d).keys()],
          requireReadable: d.processing.require_readable,
          checkedSince: ctx.now() - d.processing.max_metadata_age,
        });
        listing.at = Date.now();
      }
      await set.update(listing.relays);
      await report(ctx, d, set, counts);
      outage.succeeded();
    } catch (error) {
      const lost = outage.failed(error, epoch);
      if (lost) ctx.log.debug({ reason: lost.message }, "live_update_failed");
      else ctx.log.warn({ err: toError(error) }, "live_update_failed");
    }
    await sleep(l.refresh * 1000, ctx.signal);
  }
  await set.close().catch(() => {});
  await ingest.close();
  await deleteLiveStatus(ctx.db, d.holder).catch(() => {});
  ctx.log.info("live_stopped");
}

/** Gauges, counts of each relay, and this process's status row. */
async function report(ctx: ServiceContext, d: LiveDeps, set: RelaySet, counts: LiveCounts) {
  const open = new Map<Network, number>();
  let throttled = 0;
  for (const r of set.relays.values()) {
    r.report();
    if (r.throttled) throttled++;
    r.throttled = false;
    if (r.open) open.set(r.relay.network, (open.get(r.relay.network) ?? 0) + 1);
  }
  let total = 0;
  for (const n of liveNetworks(d).keys()) {
    const k = open.get(n) ?? 0;
    total += k;
    counts.metrics.open.set({ network: n }, k);
  }
  await writeLiveStatus(ctx.db, counts.status(d.holder, total, throttled, ctx.now()));
}
