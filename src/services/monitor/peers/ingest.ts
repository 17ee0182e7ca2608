/**
 * Reads other monitors' 30166/10166 from the archive, continuously: the walk of events in
 * storing order (core/db/event-scan.ts) from a cursor kept in service_state, so a first run
 * reads everything already archived and later runs only what was archived since. Each event was
 * signature-verified before it was archived; a verdict belongs to the pubkey that signed it.
 * Verdicts are written before the cursor moves past them (a crash means a harmless re-read).
 */
import { type ScannedNip66Row, scanSignedEvents } from "../../../core/db/event-scan.js";
import {
  addMonitorRejections,
  insertPeerVerdicts,
  type PeerAnnouncement,
  type PeerVerdict,
  upsertPeerAnnouncements,
} from "../../../core/db/peer-verdicts.js";
import { readPeerCursor, writePeerCursor } from "../../../core/db/service-state/peer-cursor.js";
import type { ServiceContext } from "../../../core/service.js";
import { parseRelayUrl } from "../../../models/relay-url.js";
import { parseMonitorAnnouncement } from "../../../nips/nip66/announcement-parse.js";
import { parseRelayDiscovery } from "../../../nips/nip66/discovery-parse.js";
import {
  MONITOR_ANNOUNCEMENT_KIND,
  RELAY_DISCOVERY_KIND,
} from "../../../nips/nip66/discovery-tags.js";
import type { MonitorPeers } from "../config.js";

const KINDS = [MONITOR_ANNOUNCEMENT_KIND, RELAY_DISCOVERY_KIND];
/** A claim list longer than this is cut (a NIP list, types): bounds one event's row. */
const MAX_LIST = 128;
/** An event dated further ahead than this (seconds) is refused: it would stay "fresh". */
const MAX_FUTURE = 600;

export interface IngestReport {
  peer_events: number;
  peer_verdicts: number;
  peer_announcements: number;
  peer_rejected: number;
}

interface Page {
  verdicts: PeerVerdict[];
  announcements: PeerAnnouncement[];
  /** Refused events per signer (bad tags, a bad relay URL, a future date, over the cap). */
  rejected: Map<string, number>;
  reasons: Map<string, number>;
}

function reject(page: Page, monitor: string, reason: string): void {
  page.rejected.set(monitor, (page.rejected.get(monitor) ?? 0) + 1);
  page.reasons.set(reason, (page.reasons.get(reason) ?? 0) + 1);
}

function asEvent(row: ScannedNip66Row): unknown {
  return {
    id: row.id,
    pubkey: row.pubkey,
    created_at: row.createdAt,
    kind: row.kind,
    tags: row.tags,
    content: "",
    sig: "0".repeat(128),
  };
}

function readDiscovery(row: ScannedNip66Row, page: Page, allowPrivate: boolean): void {
  const parsed = parseRelayDiscovery(asEvent(row));
  if (!parsed.ok) {
    reject(page, row.pubkey, "malformed");
    return;
  }
  const d = parsed.discovery;
  const url = parseRelayUrl(d.relay, { allowPrivate });
  if (!url.ok) {
    reject(page, row.pubkey, "relay_url");
    return;
  }
  page.verdicts.push({
    relayUrl: url.url,
    monitor: row.pubkey,
    seenAt: row.createdAt,
    eventId: row.id,
    rttOpen: d.rtt.open ?? null,
    rttRead: d.rtt.read ?? null,
    rttWrite: d.rtt.write ?? null,
    network: d.networks[0] ?? null,
    nips: d.nips.slice(0, MAX_LIST),
    requirements: Object.fromEntries(Object.entries(d.requirements).slice(0, MAX_LIST)),
    types: d.types.slice(0, MAX_LIST),
    geohash: d.geohashes[0] ?? null,
  });
}

function readAnnouncement(row: ScannedNip66Row, page: Page): void {
  const parsed = parseMonitorAnnouncement(asEvent(row));
  if (!parsed.ok) {
    reject(page, row.pubkey, "malformed");
    return;
  }
  const a = parsed.announcement;
  page.announcements.push({
    monitor: a.monitor,
    announcedAt: a.createdAt,
    frequency: a.frequency ?? null,
    checks: a.checks.slice(0, MAX_LIST),
    timeouts: a.timeouts.slice(0, MAX_LIST),
    networks: a.networks,
    geohash: a.geohashes[0] ?? null,
  });
}

function readPage(rows: readonly ScannedNip66Row[], now: number, options: ReadOptions): Page {
  const page: Page = { verdicts: [], announcements: [], rejected: new Map(), reasons: new Map() };
  for (const row of rows) {
    if (options.self !== undefined && row.pubkey === options.self) continue;
    if (row.tags === null) reject(page, row.pubkey, "no_tags");
    else if (row.createdAt > now + MAX_FUTURE) reject(page, row.pubkey, "future");
    else if (row.kind === RELAY_DISCOVERY_KIND) readDiscovery(row, page, options.allowPrivate);
    else readAnnouncement(row, page);
  }
  return page;
}

export interface ReadOptions {
  allowPrivate: boolean;
  /** Our own monitor's pubkey: its events are our verdicts already, not a peer's. */
  self: string | undefined;
}

async function storePage(
  ctx: ServiceContext,
  config: MonitorPeers,
  page: Page,
  report: IngestReport,
): Promise<void> {
  const written = await insertPeerVerdicts(ctx.db, page.verdicts, {
    keepPerPair: config.keep_per_pair,
    maxRelaysPerMonitor: config.max_relays_per_monitor,
  });
  await upsertPeerAnnouncements(ctx.db, page.announcements);
  if (written.capped > 0) page.reasons.set("relay_cap", written.capped);
  await addMonitorRejections(ctx.db, page.rejected);
  const rejected = ctx.metrics.counter(
    "brotr_monitor_peer_rejected_total",
    "Other monitors' NIP-66 events or verdicts refused, by reason",
    ["reason"],
  );
  for (const [reason, n] of page.reasons) rejected.inc({ reason }, n);
  report.peer_verdicts += written.inserted;
  report.peer_announcements += page.announcements.length;
  report.peer_rejected += [...page.reasons.values()].reduce((a, b) => a + b, 0);
}

/** Walks the archive from the stored cursor until caught up, out of time or aborted. */
export async function ingestPeerEvents(
  ctx: ServiceContext,
  config: MonitorPeers,
  options: ReadOptions,
): Promise<IngestReport> {
  const report: IngestReport = {
    peer_events: 0,
    peer_verdicts: 0,
    peer_announcements: 0,
    peer_rejected: 0,
  };
  const started = performance.now();
  let cursor = await readPeerCursor(ctx.db);
  while (!ctx.signal.aborted && performance.now() - started < config.max_duration * 1000) {
    const rows = await scanSignedEvents(ctx.db, cursor, KINDS, config.scan_size);
    const last = rows.at(-1);
    if (last === undefined) break;
    await storePage(ctx, config, readPage(rows, ctx.now(), options), report);
    cursor = { xid: last.xid, id: last.id };
    await writePeerCursor(ctx.db, cursor, ctx.now());
    report.peer_events += rows.length;
    if (rows.length < config.scan_size) break;
  }
  return report;
}
