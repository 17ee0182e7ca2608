/**
 * The REQ path of one relay's cycle: recorded gaps walked again, then windows that grow while
 * they are cheap and shrink while they are busy, each walked completely (window.ts), its
 * events handed to the writer as they arrive, the cursor moved to its end after it.
 */
import type { ArchiveItem } from "../../core/db/archive.js";
import type { NostrEvent } from "../../models/event-types.js";
import { cursorRow, filterKey, mergeGaps, nextChunk, type SyncCursor } from "./cursor.js";
import type { RelayPages } from "./relay-pages.js";
import { GAP_RETRIES, type RelaySyncContext, type RelaySyncReport, type Run } from "./relay-run.js";
import { fetchWindow } from "./window.js";

/** Walks the recorded gaps again; a gap that does not recur is cleared. */
export async function retryGaps(
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

/** REQ windows over [low, end]; returns where the walk stopped (end + 1 when done). */
export async function walkRequests(
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
