/**
 * Where a live subscription starts (pure): from the newest event it saw on the relay less a
 * lookback (events published late, clocks that differ), never further back than `maxCatchup`
 * (older gaps are the windowed cycles' work), and from now less the lookback when it has seen
 * nothing yet. An event dated in the future counts as seen now, so a relay that accepts
 * events from tomorrow cannot move the resume point past what it has not sent yet.
 */
export interface ResumePolicy {
  /** Seconds before the newest event seen (or before now, at first). */
  lookback: number;
  /** Seconds before now at most. */
  maxCatchup: number;
}

/** The newest created_at seen so far after `createdAt` arrived at `now` (unix seconds). */
export function newestSeen(previous: number | undefined, createdAt: number, now: number): number {
  const at = Math.min(createdAt, now);
  return previous === undefined ? at : Math.max(previous, at);
}

/** The `since` of the next live REQ. */
export function resumeSince(newest: number | undefined, now: number, policy: ResumePolicy): number {
  const floor = now - policy.maxCatchup;
  const from = (newest === undefined ? now : Math.min(newest, now)) - policy.lookback;
  return Math.max(0, floor, from);
}
