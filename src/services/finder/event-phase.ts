import type { ServiceContext } from "../../core/service.js";
import type { FinderConfig } from "./config.js";
import type { FinderCounts } from "./counts.js";
import { extractUrls, MAX_JSON_BYTES } from "./extract.js";
import {
  type EventCursor,
  readEventCursor,
  type ScannedRow,
  scanEvents,
  writeEventCursor,
} from "./queries.js";
import { UrlBatch } from "./url-batch.js";

type EventsConfig = FinderConfig["events"];

export interface EventPhaseReport {
  events_scanned: number;
  events_cursor: number;
}

const START: Omit<EventCursor, "kinds"> = { seenAt: 0, id: "" };

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
): Promise<EventCursor> {
  const stored = await readEventCursor(ctx.db);
  if (stored === null) return { ...START, kinds };
  if (covers(stored.kinds, kinds)) return { seenAt: stored.seenAt, id: stored.id, kinds };
  ctx.log.info({ before: stored.kinds, now: kinds }, "event_cursor_reset");
  return { ...START, kinds };
}

function scanRows(rows: readonly ScannedRow[], batch: UrlBatch, counts: FinderCounts): void {
  for (const row of rows) {
    const { found, skipped } = extractUrls(row);
    for (const reason of skipped) counts.skipped(reason);
    for (const { source, text } of found) batch.add(source, text);
  }
}

/**
 * Scans archived events once each, oldest first sighting first (see queries.ts SCAN), until
 * caught up, out of time or aborted. Candidates are written before the cursor moves past the
 * events they came from, so a crash rescans a batch (harmless) and never skips one.
 */
export async function runEventPhase(
  ctx: ServiceContext,
  config: EventsConfig,
  counts: FinderCounts,
): Promise<EventPhaseReport> {
  const started = performance.now();
  const kinds = normaliseKinds(config.kinds);
  let cursor = await startingCursor(ctx, kinds);
  let unsaved = false;
  let scanned = 0;
  const batch = new UrlBatch(counts);
  const scannedCounter = ctx.metrics.counter(
    "brotr_finder_events_scanned_total",
    "Archived events scanned for relay URLs (each event once)",
  );
  const save = async () => {
    const added = await batch.flush(ctx.db, ctx.now());
    await writeEventCursor(ctx.db, cursor, ctx.now());
    ctx.log.debug({ added, seenAt: cursor.seenAt, scanned }, "event_batch_flushed");
    unsaved = false;
  };
  const until = ctx.now() - config.settle_time;
  while (!ctx.signal.aborted && performance.now() - started < config.max_duration * 1000) {
    const rows = await scanEvents(ctx.db, {
      after: cursor,
      until,
      limit: config.scan_size,
      kinds,
      maxContentBytes: MAX_JSON_BYTES,
    });
    const last = rows.at(-1);
    if (last === undefined) break;
    scanRows(rows, batch, counts);
    scanned += rows.length;
    scannedCounter.inc({}, rows.length);
    cursor = { seenAt: last.seenAt, id: last.id, kinds };
    unsaved = true;
    if (batch.size >= config.batch_size) await save();
    if (rows.length < config.scan_size) break;
  }
  if (unsaved) await save();
  reportCursor(ctx, cursor);
  return { events_scanned: scanned, events_cursor: cursor.seenAt };
}

function reportCursor(ctx: ServiceContext, cursor: EventCursor): void {
  ctx.metrics
    .gauge(
      "brotr_finder_event_cursor_timestamp_seconds",
      "seen_at of the last event sighting the finder has scanned",
    )
    .set({}, cursor.seenAt);
}
