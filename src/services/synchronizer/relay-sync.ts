/**
 * One relay, one cycle, from its cursor (less the lookback) to now − end_lag. Where the
 * relay speaks NIP-77 (path.ts decides and remembers why), recorded gaps and the range are
 * reconciled by id (negentropy.ts); REQ windows cover the rest: everything on other relays,
 * a relay we hold nothing of yet, or what is left after negentropy failed mid-way (on a new
 * connection when the old one dropped). REQ windows grow while they are cheap and shrink
 * while they are busy; each is walked completely (window.ts), its events handed to the
 * writer as they arrive. The cursor moves to a window's end only after it is complete and
 * is committed with (never before) the window's last sighting.
 */

import { proxyOf } from "../../core/config/proxy.js";
import type { ArchiveItem } from "../../core/db/archive.js";
import {
  cursorRow,
  parseCursor,
  type SyncCandidate,
} from "../../core/db/service-state/sync-cursor.js";
import { sightedSupports } from "../../core/db/sighted.js";
import type { NostrEvent } from "../../models/event-types.js";
import { connectRelay, type RelayClient, type RelayStats } from "../../nips/nip01/index.js";
import type { SyncTimeouts } from "./config.js";
import {
  closeGaps,
  emptyNegCounts,
  type NegContext,
  type NegSettings,
  walkNegentropy,
} from "./negentropy.js";
import { choosePath, failurePath } from "./path.js";
import { relayPages } from "./relay-pages.js";
import {
  GAP_RETRIES,
  type RelaySyncContext,
  type RelaySyncReport,
  type Run,
  settingsFor,
} from "./relay-run.js";
import { retryGaps, walkRequests } from "./req-path.js";

export type { RelaySyncContext, RelaySyncReport } from "./relay-run.js";

async function connect(
  ctx: RelaySyncContext,
  relay: SyncCandidate,
  timeouts: SyncTimeouts,
  signal: AbortSignal,
) {
  const net = ctx.deps.brotr.networks[relay.network];
  return connectRelay(relay.url, {
    network: relay.network,
    timeoutMs: net.timeout * 1000,
    allowPrivate: ctx.deps.brotr.allow_private,
    allowInsecure: ctx.processing.allow_insecure,
    idleTimeoutMs: timeouts.idle * 1000,
    eoseTimeoutMs: timeouts.eose * 1000,
    signal,
    ...proxyOf(ctx.deps.brotr.networks, relay.network),
    ...(ctx.resolver ? { resolver: ctx.resolver } : {}),
    ...(ctx.deps.secretKey ? { auth: { secretKey: ctx.deps.secretKey } } : {}),
  });
}

/** Counters of several connections to one relay added up (peakQueued: the largest). */
function sumStats(all: readonly RelayStats[]): RelayStats {
  const out = { ...(all[0] as RelayStats) };
  for (const s of all.slice(1)) {
    for (const key of Object.keys(out) as (keyof RelayStats)[]) {
      out[key] = key === "peakQueued" ? Math.max(out[key], s[key]) : out[key] + s[key];
    }
  }
  return out;
}

/** Room left in a relay's max_message_length for the NEG-MSG envelope around the hex. */
const NEG_ENVELOPE = 200;

function negSettings(run: Run, timeouts: SyncTimeouts, page: number): NegSettings {
  const n = run.ctx.processing.negentropy;
  // The relay's frame limit, when its NIP-11 gives one: hex doubles our bytes.
  const max = run.relay.nip11MaxMessage;
  const fits = max !== null && max > 0 ? Math.floor((max - NEG_ENVELOPE) / 2) : n.frame_size;
  return {
    maxRecords: n.max_records,
    // (negentropySync raises a limit below the protocol's 4,096 to it)
    frameSize: Math.min(n.frame_size, fits),
    // No more ids per request than the relay was seen to return at once.
    idsPerRequest: page > 0 ? Math.min(n.ids_per_request, page) : n.ids_per_request,
    probeTimeoutMs: n.probe_timeout * 1000,
    timeoutMs: timeouts.idle * 1000,
    firstFill: n.first_fill,
  };
}

/**
 * The NIP-77 part of a relay's cycle; returns where REQ windows take over, and whether the
 * recorded gaps were handled. A failure that says something about the path (errors of the
 * relay, not of the database) is recorded and ends it: REQ windows go on from the cursor.
 */
async function negentropyPart(
  run: Run,
  client: RelayClient,
  choice: ReturnType<typeof choosePath>,
  range: { low: number; end: number },
): Promise<{ low: number; gapsDone: boolean }> {
  const { ctx, cursor, report } = run;
  const timeouts = settingsFor(ctx, run.relay.url).timeouts;
  const n: NegContext = {
    db: ctx.db,
    client,
    relay: run.relay,
    writer: ctx.writer,
    verify: ctx.verify,
    settings: negSettings(run, timeouts, cursor.pageSize),
    toItem: run.toItem,
    now: ctx.now,
    signal: run.signal,
    counts: report.negentropy,
    probing: choice.probe,
  };
  const progress = { low: range.low };
  let gapsDone = false;
  try {
    report.gapsClosed = await closeGaps(n, cursor, GAP_RETRIES);
    gapsDone = true;
    const walked = await walkNegentropy(
      n,
      cursor,
      run.filter,
      { ...range, deadline: run.deadline },
      progress,
    );
    const at = ctx.now();
    if (walked.firstFill) {
      cursor.path = { path: "req", reason: "first-fill", detail: "nothing of it archived yet", at };
    } else if (n.counts.sessions > 0) {
      // Only a reconciliation that ran says the relay speaks NIP-77.
      const detail = choice.probe ? "the relay answered a NIP-77 probe" : choice.detail;
      cursor.path = { path: "negentropy", reason: choice.reason, detail, at };
    }
    return { low: walked.low, gapsDone };
  } catch (error) {
    const failed = failurePath(error, ctx.now());
    if (failed === null) throw error;
    cursor.path = failed;
    report.fellBack = true;
    return { low: progress.low, gapsDone };
  }
}

/** Syncs one relay; connection and relay errors are thrown (the caller records them). */
export async function syncRelay(
  ctx: RelaySyncContext,
  relay: SyncCandidate,
): Promise<RelaySyncReport> {
  const { filter, timeouts, limit } = settingsFor(ctx, relay.url);
  const deadline = Date.now() + timeouts.relay * 1000;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeouts.relay * 1000)]);
  let client = await connect(ctx, relay, timeouts, signal);
  const connections = [client.stats];
  const cursor = parseCursor(relay.cursor, filter);
  const choice = choosePath({
    enabled: ctx.processing.negentropy.enabled,
    filterSupported: sightedSupports(filter),
    nip11Lists77: relay.nip11Lists77,
    remembered: cursor.path,
    now: ctx.now(),
    recheck: ctx.processing.negentropy.recheck,
  });
  const { probe: _probe, ...chosen } = choice;
  const report: RelaySyncReport = {
    url: relay.url,
    events: 0,
    requests: 0,
    windows: 0,
    gaps: [],
    gapsClosed: 0,
    outOfBounds: 0,
    stats: client.stats,
    caughtUp: false,
    path: chosen,
    fellBack: false,
    negentropy: emptyNegCounts(),
  };
  try {
    const end = Math.min(
      ctx.processing.until ?? Number.POSITIVE_INFINITY,
      ctx.now() - ctx.processing.end_lag,
    );
    const since = ctx.processing.since;
    let low =
      cursor.until < 0 ? since : Math.max(since, cursor.until + 1 - ctx.processing.lookback);
    const toItem = (event: NostrEvent): ArchiveItem => ({
      event,
      relayUrl: relay.url,
      network: relay.network,
      seenAt: ctx.now(),
    });
    const run: Run = { ctx, relay, filter, cursor, report, toItem, signal, deadline };
    let gapsDone = false;
    if (choice.path === "negentropy") {
      ({ low, gapsDone } = await negentropyPart(run, client, choice, { low, end }));
      if (client.isClosed) {
        client = await connect(ctx, relay, timeouts, signal);
        connections.push(client.stats);
      }
    } else cursor.path = chosen;
    report.path = cursor.path ?? chosen;
    const pages = relayPages(client, { verify: ctx.verify, signal });
    if (!gapsDone) await retryGaps(cursor, pages, limit, signal, ctx, toItem, report);
    low = await walkRequests(run, pages, limit, low, end);
    // Whatever ran, the path and the counts go with the next batch.
    ctx.writer.setCursor(cursorRow(relay.url, cursor));
    report.caughtUp = low > end;
    return report;
  } finally {
    await client.close();
    report.stats = sumStats(connections);
  }
}
