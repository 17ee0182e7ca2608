/** What one relay's cycle works with and reports (relay-sync.ts, req-path.ts). */
import type { ArchiveItem } from "../../core/db/archive.js";
import type { Db } from "../../core/db/pool.js";
import type {
  Gap,
  SyncCandidate,
  SyncCursor,
  SyncPath,
} from "../../core/db/service-state/sync-cursor.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import type { RelayStats, VerifyBatch } from "../../nips/nip01/index.js";
import type { Resolver } from "../../utils/dns.js";
import type { SyncProcessing, SyncTimeouts } from "./config.js";
import type { NegCounts } from "./negentropy.js";
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

/** One relay's cycle in progress. */
export interface Run {
  ctx: RelaySyncContext;
  relay: SyncCandidate;
  filter: Filter;
  cursor: SyncCursor;
  report: RelaySyncReport;
  toItem: (event: NostrEvent) => ArchiveItem;
  signal: AbortSignal;
  deadline: number;
}

/** Gaps retried per relay and cycle (the oldest first). */
export const GAP_RETRIES = 10;

/** The relay's settings: its override, else the defaults. */
export function settingsFor(ctx: RelaySyncContext, url: string) {
  const p = ctx.processing;
  const o = p.overrides.find((x) => x.url === url);
  const filter: Filter = o?.filter ?? p.filter;
  const timeouts: SyncTimeouts = o?.timeouts ?? p.timeouts;
  return { filter, timeouts, limit: o?.limit ?? p.limit };
}
