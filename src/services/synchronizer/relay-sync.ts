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
import type { ArchiveItem } from "../../core/db/archive.js";
import type { Db } from "../../core/db/pool.js";
import { sightedSupports } from "../../core/db/read/sighted.js";
import type { SyncCandidate } from "../../core/db/read/sync-relays.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import { isOverlay } from "../../models/index.js";
import {
  connectRelay,
  type RelayClient,
  type RelayStats,
  type VerifyBatch,
} from "../../nips/nip01/index.js";
import type { Resolver } from "../../utils/dns.js";
import type { ServiceDeps } from "../shared/deps.js";
import type { SyncProcessing, SyncTimeouts } from "./config.js";
import {
  cursorRow,
  filterKey,
  mergeGaps,
  nextChunk,
  parseCursor,
  type SyncCursor,
} from "./cursor.js";
import {
  closeGaps,
  emptyNegCounts,
  type NegContext,
  type NegCounts,
  type NegSettings,
  walkNegentropy,
} from "./negentropy.js";
import { choosePath, failurePath, type SyncPath } from "./path.js";

import { type RelayPages, relayPages } from "./relay-pages.js";
import { fetchWindow, type Gap } from "./window.js";
import type { SightingWriter } from "./writer.js";

export interface RelaySyncContext {
  db: Db;
  deps: ServiceDeps;
  processing: SyncProcessing;
  writer: SightingWriter;
  verify: VerifyBatch;
  now: () => number;
  signal: AbortSignal;
  resolver?: Resolver;
}

export interface RelaySyncReport {
  url: string;
  /** Distinct events fetched by REQ windows (new to the archive or not). */
  events: number;
  /** REQs of the window walk. */
  requests: number;
  windows: number;
  /** New gaps recorded this cycle. */
  gaps: Gap[];
  /** Recorded gaps closed by reconciliation. */
  gapsClosed: number;
  outOfBounds: number;
  /** What the relay client refused (bad ids, signatures, shapes…) and bytes both ways. */
  stats: RelayStats;
  /** The cursor reached the end of the range (false: deadline or abort first). */
  caughtUp: boolean;
  /** How the relay was synced and why. */
  path: SyncPath;
  /** Negentropy failed mid-way and REQ windows took over. */
  fellBack: boolean;
  negentropy: NegCounts;
}

function settingsFor(ctx: RelaySyncContext, url: string) {
  const p = ctx.processing;
  const o = p.overrides.find((x) => x.url === url);
  const filter: Filter = o?.filter ?? p.filter;
  const timeouts: SyncTimeouts = o?.timeouts ?? p.timeouts;
  return { filter, timeouts, limit: o?.limit ?? p.limit };
}

/** Gaps retried per relay and cycle (the oldest first). */
const GAP_RETRIES = 10;

/** Walks the recorded gaps again; a gap that does not recur is cleared. */
async function retryGaps(
  cursor: SyncCursor,
  pages: RelayPages,
  limit: number,
  signal: AbortSignal,
  ctx: RelaySyncContext,
  toItem: (event: NostrEvent) => ArchiveItem,
  report: RelaySyncReport,
): Promise<void> {
  const retried = cursor.gaps.slice(0, GAP_RETRIES);
  const kept = cursor.gaps.slice(GAP_RETRIES);
  for (const gap of retried) {
    const walked = await fetchWindow(pages.fetch, gap.filter, gap.since, gap.until, {
      limit,
      pageSize: cursor.pageSize,
      ascending: cursor.ascending,
      count: pages.count,
      signal,
      onEvents: (events) => ctx.writer.add(events.map(toItem)),
    });
    report.events += walked.events;
    report.requests += walked.stats.requests;
    kept.push(...walked.gaps);
  }
  if (retried.length > 0) cursor.gaps = kept;
}

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
    ...(isOverlay(relay.network) && net.proxy ? { proxyUrl: net.proxy } : {}),
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

interface Run {
  ctx: RelaySyncContext;
  relay: SyncCandidate;
  filter: Filter;
  cursor: SyncCursor;
  report: RelaySyncReport;
  toItem: (event: NostrEvent) => ArchiveItem;
  signal: AbortSignal;
  deadline: number;
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

/** REQ windows over [low, end]; returns where the walk stopped (end + 1 when done). */
async function walkRequests(
  run: Run,
  pages: RelayPages,
  limit: number,
  from: number,
  end: number,
): Promise<number> {
  const { ctx, cursor, report, filter, signal } = run;
  let low = from;
  while (low <= end && Date.now() < run.deadline && !signal.aborted) {
    const high = Math.min(end, low + cursor.chunk - 1);
    const walked = await fetchWindow(pages.fetch, filter, low, high, {
      limit,
      pageSize: cursor.pageSize,
      ascending: cursor.ascending,
      count: pages.count,
      signal,
      onEvents: (events) => ctx.writer.add(events.map(run.toItem)),
    });
    report.events += walked.events;
    report.requests += walked.stats.requests;
    report.outOfBounds += walked.stats.outOfBounds;
    report.windows++;
    report.gaps.push(...walked.gaps);
    cursor.pageSize = walked.pageSize;
    cursor.ascending = walked.ascending;
    cursor.gaps = mergeGaps(cursor.gaps, { since: low, until: high }, walked.gaps);
    cursor.until = Math.max(cursor.until, high);
    // A window cut short by the end of the range says little about the next full one.
    if (high - low + 1 >= cursor.chunk || walked.stats.requests > 2) {
      cursor.chunk = nextChunk(cursor.chunk, walked.stats.requests);
    }
    cursor.filter = filterKey(filter);
    ctx.writer.setCursor(cursorRow(run.relay.url, cursor));
    low = high + 1;
  }
  return low;
}
