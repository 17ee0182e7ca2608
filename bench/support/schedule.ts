/**
 * Schedules simulated from measured durations: relays started in order on a fixed number of
 * slots, each slot taking the next relay as it frees (what p-limit does), either as one
 * continuous flow or chunk by chunk with every chunk awaited in full (the original's design).
 */

/** Makespan (ms) of `durations` started in order on `slots` workers, each taking the next as it frees. */
export function listSchedule(durations: readonly number[], slots: number): number {
  const free: number[] = new Array(Math.max(1, Math.min(slots, durations.length))).fill(0);
  let end = 0;
  for (const d of durations) {
    let k = 0;
    for (let j = 1; j < free.length; j++) if ((free[j] ?? 0) < (free[k] ?? 0)) k = j;
    const done = (free[k] ?? 0) + d;
    free[k] = done;
    end = Math.max(end, done);
  }
  return end;
}

/** The original's design: chunks of `chunk`, each list-scheduled and waited for in full. */
export function chunkedMakespan(
  durations: readonly number[],
  chunk: number,
  slots: number,
): number {
  let total = 0;
  for (let i = 0; i < durations.length; i += chunk) {
    total += listSchedule(durations.slice(i, i + chunk), slots);
  }
  return total;
}
