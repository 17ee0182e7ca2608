/**
 * When a live subscription reconnects (pure; no timers): exponential backoff with full
 * jitter between `minMs` and `maxMs`, doubling with each failure in a row. A subscription
 * that stayed open `stableMs` or longer counts as healthy: its drop starts again from the
 * smallest delay, so a relay that restarts once a day is back within seconds.
 */
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** A subscription open at least this long resets the failure count. */
  stableMs: number;
}

/** The delay before attempt number `failures` + 1 (failures ≥ 1: one has failed). */
export function reconnectDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exp = Math.min(30, Math.max(0, failures - 1));
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** exp);
  return Math.round(policy.minMs + random() * (ceiling - policy.minMs));
}

/** Failures in a row after a subscription that was open `openMs` (0: it never opened) ended. */
export function failuresAfter(previous: number, openMs: number, policy: BackoffPolicy): number {
  return openMs >= policy.stableMs ? 1 : previous + 1;
}
