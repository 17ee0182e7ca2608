/**
 * The walk's arithmetic on the synchronizer's cursor: how the window size adapts and how
 * gaps are merged. The document itself (type, parser, row, reads) is
 * core/db/service-state/sync-cursor.ts.
 */
import { type Gap, MAX_GAPS } from "../../core/db/service-state/sync-cursor.js";

/**
 * Next window size: doubled when the last window needed at most two requests (little data),
 * halved when it needed more than `busy` (so progress is committed often), within bounds.
 */
export function nextChunk(chunk: number, requests: number, busy = 8): number {
  if (requests <= 2) return Math.min(chunk * 2, 100 * 365 * 86_400);
  if (requests > busy) return Math.max(1, Math.floor(chunk / 2));
  return chunk;
}

/** Merges new gaps in, dropping those a re-fetch has now covered without a gap. */
export function mergeGaps(
  old: readonly Gap[],
  covered: { since: number; until: number },
  found: readonly Gap[],
): Gap[] {
  const kept = old.filter((g) => g.until < covered.since || g.since > covered.until);
  return [...kept, ...found].slice(-MAX_GAPS);
}
