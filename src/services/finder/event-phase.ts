import { type ScannedEventRow, scanEvents } from "../../core/db/event-scan.js";
import {
  type FinderCursor,
  readFinderCursor,
  writeFinderCursor,
} from "../../core/db/service-state/finder-state.js";
import type { ServiceContext } from "../../core/service.js";
import type { FinderConfig } from "./config.js";
import type { FinderCounts } from "./counts.js";
import { extractUrls, MAX_JSON_BYTES } from "./extract.js";
import { UrlBatch } from "./url-batch.js";

type EventsConfig = FinderConfig["events"];

export interface EventPhaseReport {
  events_scanned: number;
  events_cursor: number;
}

const START: Omit<FinderCursor, "kinds"> = { xid: "0", id: "" };

function normaliseKinds(kinds: readonly number[] | undefined): readonly number[] | null {
  return kinds === undefined ? null : [...new Set(kinds)].sort((a, b) => a - b);
}

/** True when every kind allowed now was also scanned before (null = every kind). */
function covers(before: readonly number[] | null, now: readonly number[] | null): boolean {
  if (before === null) return true;
  if (now === null) return false;
  const scanned = new Set(before);
  return now.every((k) => scanned.has(k));
}

/**
 * Where to resume: the stored cursor, unless the kind filter was widened since (then events
 * before the cursor were never scanned for the new kinds, so start over; rescanning is harmless).
 */
export async function startingCursor(
  ctx: ServiceContext,
  kinds: readonly number[] | null,
): Promise<FinderCursor> {
  const stored = await readFinderCursor(ctx.db);
  if (stored === null) return { ...START, kinds };
  if (covers(stored.kinds, kinds)) return { xid: stored.xid, id: stored.id, kinds };
  ctx.log.info({ before: stored.kinds, now: kinds }, "event_cursor_reset");
  return { ...START, kinds };
}

function scanRows(rows: readonly ScannedEventRow[], batch: UrlBatch, counts: FinderCounts): void {
  for (const row of rows) {
    const { found, skipped } = extractUrls(row);
    for (const reason of skipped) counts.skipped(reason);
    for (const { source, text } of found) batch.add(source, text);
  }
}

/** Progress of one event phase. */
interface Scan {
  cursor: FinderCursor;
  /** The cursor moved since it was last written. */
  unsaved: boolean;
  scanned: number;
  batch: UrlBatch;
}

/** Candidates first, then the cursor: a crash in between only means a rescan. */
async function save(ctx: ServiceContext, scan: Scan): Promise<void> {
  const added = await scan.batch.flush(ctx.db, ctx.now());
  await writeFinderCursor(ctx.db, scan.cursor, ctx.now());
  scan.unsaved = false;
  ctx.log.debug({ added, xid: scan.cursor.xid, scanned: scan.scanned }, "event_batch_flushed");
}

/** Reads and scans one page; false when there is nothing more to read. */
async function scanPage(
  ctx: ServiceContext,
  config: EventsConfig,
  scan: Scan,
  counts: FinderCounts,
): Promise<boolean> {
  const { kinds } = scan.cursor;
  const rows = await scanEvents(ctx.db, {
    after: scan.cursor,
    limit: config.scan_size,
    kinds,
    maxContentBytes: MAX_JSON_BYTES,
  });
  const last = rows.at(-1);
  if (last === undefined) return false;
  scanRows(rows, scan.batch, counts);
  scan.scanned += rows.length;
  ctx.metrics
    .counter("brotr_finder_events_scanned_total", "Archived events scanned (each event once)")
    .inc({}, rows.length);
  scan.cursor = { xid: last.xid, id: last.id, kinds };
  scan.unsaved = true;
  if (scan.batch.size >= config.batch_size) await save(ctx, scan);
  return rows.length === config.scan_size;
}

/**
 * Scans archived events once each, in the order they were stored (see core/db/event-scan.ts),
 * until caught up, out of time or aborted. Candidates are written before the cursor moves past the
 * events they came from, so a crash rescans a batch (harmless) and never skips one.
 */
export async function runEventPhase(
  ctx: ServiceContext,
  config: EventsConfig,
  counts: FinderCounts,
  allowPrivate = false,
): Promise<EventPhaseReport> {
  const started = performance.now();
  const cursor = await startingCursor(ctx, normaliseKinds(config.kinds));
  const scan: Scan = {
    cursor,
    unsaved: false,
    scanned: 0,
    batch: new UrlBatch(counts, allowPrivate),
  };
  const inTime = () => performance.now() - started < config.max_duration * 1000;
  let caughtUp = false;
  while (!ctx.signal.aborted && inTime()) {
    if (!(await scanPage(ctx, config, scan, counts))) {
      caughtUp = true;
      break;
    }
  }
  if (scan.unsaved) await save(ctx, scan);
  if (caughtUp) {
    ctx.metrics
      .gauge(
        "brotr_finder_caught_up_timestamp_seconds",
        "When the finder's event scan last reached the newest committed event",
      )
      .set({}, ctx.now());
  }
  ctx.metrics
    .gauge(
      "brotr_finder_event_cursor_xid",
      "Storing transaction (xid8) of the last archived event the finder has scanned",
    )
    .set({}, Number(scan.cursor.xid));
  return { events_scanned: scan.scanned, events_cursor: Number(scan.cursor.xid) };
}
