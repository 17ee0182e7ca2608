/**
 * When a failed candidate is tried again: the delay doubles with each consecutive failure,
 * starting at `retryInterval` and capped at `maxRetryInterval`:
 *   delay(n) = min(retryInterval × 2^(n−1), maxRetryInterval), n = failures so far (≥ 1).
 * With the defaults (1 h, 24 h): 1 h, 2 h, 4 h, 8 h, 16 h, then daily. A relay that is down
 * for an afternoon is back within hours; a dead one costs one probe a day.
 */
export function retryDelay(failures: number, retryInterval: number, maxRetryInterval: number) {
  const exponent = Math.min(Math.max(failures, 1) - 1, 40);
  return Math.min(retryInterval * 2 ** exponent, maxRetryInterval);
}

/** Unix time of the next attempt after the `failures`-th failure at `now`. */
export function nextAttemptAt(
  now: number,
  failures: number,
  retryInterval: number,
  maxRetryInterval: number,
): number {
  return now + retryDelay(failures, retryInterval, maxRetryInterval);
}
