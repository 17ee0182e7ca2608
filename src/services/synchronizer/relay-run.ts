/** What one relay's run works with and reports (relay-sync.ts, req-path.ts, negentropy.ts). */
import type { ArchiveItem } from "../../core/db/archive.js";
import type { Db } from "../../core/db/pool.js";
import {
  type Gap,
  parseCursor,
  type SyncCandidate,
  type SyncCursor,
  type SyncPath,
} from "../../core/db/service-state/sync-cursor.js";
import { sightedSupports } from "../../core/db/sighted.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import type { RelayStats, ScreenBatch, VerifyBatch } from "../../nips/nip01/index.js";
import type { Resolver } from "../../utils/dns.js";
import type { SyncProcessing, SyncTimeouts } from "./config.js";
import { choosePath } from "./path.js";
import type { SightingWriter } from "./writer.js";

/** What a cycle gives each of its relay runs (built once per cycle). */
export interface SyncCycle {
  db: Db;
  deps: ServiceDeps;
  processing: SyncProcessing;
  /** The relay's settings (relaySettings). */
  settingsOf: (url: string) => RelaySettings;
  writer: SightingWriter;
  verify: VerifyBatch;
  /** Screening of the REQ walk's frames on the verifier's threads (none: on this thread). */
  screen?: ScreenBatch;
  now: () => number;
  signal: AbortSignal;
  resolver?: Resolver;
}

/** What the NIP-77 path did for one relay (added to the relay's report). */
export interface NegCounts {
  sessions: number;
  rounds: number;
  /** Ids we hold as seen on the relay that it lacks. */
  relayLacks: number;
  /** Ids the relay has and we lacked there. */
  needed: number;
  /** …of which already archived: only a sighting was written. */
  sightedOnly: number;
  /** …fetched by id and handed to the writer. */
  fetched: number;
  /** …that the relay did not deliver when asked by id (or that failed the checks). */
  unfetched: number;
  /** REQs sent to fetch by id. */
  requests: number;
}

const emptyNegCounts = (): NegCounts => ({
  sessions: 0,
  rounds: 0,
  relayLacks: 0,
  needed: 0,
  sightedOnly: 0,
  fetched: 0,
  unfetched: 0,
  requests: 0,
});

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

/** A relay's settings: its override, else the defaults. */
export interface RelaySettings {
  filter: Filter;
  /** Our sightings can select what the filter selects (sighted.ts): NIP-77 is possible. */
  filterSupported: boolean;
  timeouts: SyncTimeouts;
  /** Events per REQ. */
  limit: number;
}

/** Each relay's settings by URL, resolved once from the config (the first override wins). */
export function relaySettings(p: SyncProcessing): (url: string) => RelaySettings {
  type Override = SyncProcessing["overrides"][number];
  const resolve = (o: Partial<Override>): RelaySettings => {
    const filter = o.filter ?? p.filter;
    return {
      filter,
      filterSupported: sightedSupports(filter),
      timeouts: o.timeouts ?? p.timeouts,
      limit: o.limit ?? p.limit,
    };
  };
  const defaults = resolve({});
  const byUrl = new Map<string, RelaySettings>();
  for (const o of p.overrides) if (!byUrl.has(o.url)) byUrl.set(o.url, resolve(o));
  return (url) => byUrl.get(url) ?? defaults;
}

/** A relay's settings and time budget: what its connections need. */
export interface RelayBudget {
  settings: RelaySettings;
  /** The cycle's signal, aborted too when the relay's budget (`timeouts.relay`) runs out. */
  signal: AbortSignal;
  /** Date.now() by which the run stops starting windows. */
  deadline: number;
}

/** One relay's run: the one context its steps share, built once per relay and cycle. */
export interface RelayRun extends RelayBudget {
  cycle: SyncCycle;
  relay: SyncCandidate;
  cursor: SyncCursor;
  /** The path chosen for this run (path.ts); `probe`: NIP-77 support is still unknown. */
  choice: SyncPath & { probe: boolean };
  report: RelaySyncReport;
  /** An event fetched from this relay, as the writer takes it. */
  toItem: (event: NostrEvent) => ArchiveItem;
}

/** Gaps retried per relay and cycle (the oldest first). */
export const GAP_RETRIES = 10;

/** The relay's settings and its time budget, which starts now. */
export function relayBudget(cycle: SyncCycle, url: string): RelayBudget {
  const settings = cycle.settingsOf(url);
  const ms = settings.timeouts.relay * 1000;
  const signal = AbortSignal.any([cycle.signal, AbortSignal.timeout(ms)]);
  return { settings, signal, deadline: Date.now() + ms };
}

/** The run of `relay` from its stored cursor, its path chosen, nothing counted yet. */
export function startRun(
  cycle: SyncCycle,
  relay: SyncCandidate,
  budget: RelayBudget,
  stats: RelayStats,
): RelayRun {
  const cursor = parseCursor(relay.cursor, budget.settings.filter);
  const neg = cycle.processing.negentropy;
  const choice = choosePath({
    enabled: neg.enabled,
    filterSupported: budget.settings.filterSupported,
    nip11Lists77: relay.nip11Lists77,
    remembered: cursor.path,
    now: cycle.now(),
    recheck: neg.recheck,
  });
  const { probe: _probe, ...path } = choice;
  const report: RelaySyncReport = {
    url: relay.url,
    events: 0,
    requests: 0,
    windows: 0,
    gaps: [],
    gapsClosed: 0,
    outOfBounds: 0,
    stats,
    caughtUp: false,
    path,
    fellBack: false,
    negentropy: emptyNegCounts(),
  };
  const toItem = (event: NostrEvent): ArchiveItem => ({
    event,
    relayUrl: relay.url,
    network: relay.network,
    seenAt: cycle.now(),
  });
  return { ...budget, cycle, relay, cursor, choice, report, toItem };
}
