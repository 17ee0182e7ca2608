/**
 * The REQ path of one relay's cycle: recorded gaps walked again, then windows that grow while
 * they are cheap and shrink while they are busy, each walked completely (window.ts), its
 * events handed to the writer as they arrive, the cursor moved to its end after it.
 */
import { cursorRow, filterKey } from "../../core/db/service-state/sync-cursor.js";
import { mergeGaps, nextChunk } from "./cursor.js";
import type { RelayPages } from "./relay-pages.js";
import { GAP_RETRIES, type RelayRun } from "./relay-run.js";
import { fetchWindow } from "./window.js";

/** Walks the recorded gaps again; a gap that does not recur is cleared. */
export async function retryGaps(run: RelayRun, pages: RelayPages): Promise<void> {
  const { cursor, cycle, report, signal, toItem } = run;
  const retried = cursor.gaps.slice(0, GAP_RETRIES);
  const kept = cursor.gaps.slice(GAP_RETRIES);
  for (const gap of retried) {
    const walked = await fetchWindow(pages.fetch, gap.filter, gap.since, gap.until, {
      limit: run.settings.limit,
      pageSize: cursor.pageSize,
      ascending: cursor.ascending,
      count: pages.count,
      signal,
      onEvents: (events) => cycle.writer.add(events.map(toItem)),
    });
    report.events += walked.events;
    report.requests += walked.stats.requests;
    kept.push(...walked.gaps);
  }
  if (retried.length > 0) cursor.gaps = kept;
}

/**
 * REQ windows over [from, end]; returns where the walk stopped (end + 1 when done). A window
 * left open by an interrupted walk (the cursor's `open`) is resumed where it stopped, and
 * each step of a window is recorded as the new open window with the writer's next batch.
 */
export async function walkRequests(
  run: RelayRun,
  pages: RelayPages,
  range: { from: number; end: number },
): Promise<number> {
  const { cycle, cursor, report, signal } = run;
  const { filter, limit } = run.settings;
  const { from, end } = range;
  const resumed = cursor.open;
  const open = resumed !== null && resumed.since >= from && resumed.until <= end ? resumed : null;
  cursor.open = null;
  let low = from;
  while (low <= end && Date.now() < run.deadline && !signal.aborted) {
    const resuming = open !== null && low === open.since;
    // Windows before an open one stop short of it, so the walk reaches its start.
    const before = open !== null && low < open.since ? open.since - 1 : end;
    const high = resuming ? open.until : Math.min(before, low + cursor.chunk - 1);
    const carried = resuming ? open.gaps : [];
    const since = low;
    const walked = await fetchWindow(
      pages.fetch,
      filter,
      resuming ? open.low : low,
      resuming ? open.high : high,
      {
        limit,
        pageSize: cursor.pageSize,
        ascending: cursor.ascending,
        count: pages.count,
        signal,
        onEvents: (events) => cycle.writer.add(events.map(run.toItem)),
        onProgress: ({ pageSize, ascending, ...left }) => {
          cursor.open = { since, until: high, ...left, gaps: [...carried, ...left.gaps] };
          // What the walk learned goes with it: resumed with page size 0, every page looks
          // cut, and a relay that allows few REQs per connection never gets past one step.
          cursor.pageSize = Math.max(cursor.pageSize, pageSize);
          cursor.ascending ||= ascending;
          cycle.writer.setCursor(
            cursorRow(run.relay.url, { ...cursor, filter: filterKey(filter) }),
          );
        },
      },
    );
    cursor.open = null;
    const gaps = [...carried, ...walked.gaps];
    report.events += walked.events;
    report.requests += walked.stats.requests;
    report.outOfBounds += walked.stats.outOfBounds;
    report.windows++;
    report.gaps.push(...gaps);
    cursor.pageSize = walked.pageSize;
    cursor.ascending = walked.ascending;
    cursor.gaps = mergeGaps(cursor.gaps, { since: low, until: high }, gaps);
    cursor.until = Math.max(cursor.until, high);
    // A window cut short by the end of the range says little about the next full one.
    if (!resuming && (high - low + 1 >= cursor.chunk || walked.stats.requests > 2)) {
      cursor.chunk = nextChunk(cursor.chunk, walked.stats.requests);
    }
    cursor.filter = filterKey(filter);
    cycle.writer.setCursor(cursorRow(run.relay.url, cursor));
    low = high + 1;
  }
  return low;
}
