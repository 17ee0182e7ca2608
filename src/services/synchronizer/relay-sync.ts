/**
 * One relay, one cycle: from its cursor (less the lookback) to now − end_lag, in windows that
 * grow while they are cheap and shrink while they are busy; each window is walked completely
 * (window.ts), its events handed to the writer as they arrive, then the cursor moves to the
 * window's end, to be committed with (never before) the window's last sighting.
 */
import type { ArchiveItem } from "../../core/db/archive.js";
import type { SyncCandidate } from "../../core/db/read/sync-relays.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import { isOverlay } from "../../models/index.js";
import { connectRelay, type RelayStats, type VerifyBatch } from "../../nips/nip01/index.js";
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
import { type RelayPages, relayPages } from "./relay-pages.js";
import { fetchWindow, type Gap } from "./window.js";
import type { SightingWriter } from "./writer.js";

export interface RelaySyncContext {
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
  /** Distinct events fetched (new to the archive or not). */
  events: number;
  requests: number;
  windows: number;
  /** New gaps recorded this cycle. */
  gaps: Gap[];
  outOfBounds: number;
  /** What the relay client refused (bad ids, signatures, shapes…). */
  stats: RelayStats;
  /** The cursor reached the end of the range (false: deadline or abort first). */
  caughtUp: boolean;
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

/** Syncs one relay; connection and relay errors are thrown (the caller records them). */
export async function syncRelay(
  ctx: RelaySyncContext,
  relay: SyncCandidate,
): Promise<RelaySyncReport> {
  const { filter, timeouts, limit } = settingsFor(ctx, relay.url);
  const net = ctx.deps.brotr.networks[relay.network];
  const deadline = Date.now() + timeouts.relay * 1000;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeouts.relay * 1000)]);
  const client = await connectRelay(relay.url, {
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
  const report: RelaySyncReport = {
    url: relay.url,
    events: 0,
    requests: 0,
    windows: 0,
    gaps: [],
    outOfBounds: 0,
    stats: client.stats,
    caughtUp: false,
  };
  try {
    const pages = relayPages(client, { verify: ctx.verify, signal });
    const cursor = parseCursor(relay.cursor, filter);
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
    await retryGaps(cursor, pages, limit, signal, ctx, toItem, report);
    while (low <= end && Date.now() < deadline && !signal.aborted) {
      const high = Math.min(end, low + cursor.chunk - 1);
      const walked = await fetchWindow(pages.fetch, filter, low, high, {
        limit,
        pageSize: cursor.pageSize,
        ascending: cursor.ascending,
        count: pages.count,
        signal,
        onEvents: (events) => ctx.writer.add(events.map(toItem)),
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
      ctx.writer.setCursor(cursorRow(relay.url, cursor));
      low = high + 1;
    }
    report.caughtUp = low > end;
    return report;
  } finally {
    await client.close();
  }
}
