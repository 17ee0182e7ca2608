/** Peak process RSS while an async function runs, sampled on a timer (memoryUsage.rss(), the
 * cheap call: memoryUsage() walks the heap spaces too). */

/** Peak RSS (MB) of this process, sampled every `intervalMs` while `fn` runs. */
export async function withPeakRss<T>(
  fn: () => Promise<T>,
  intervalMs = 100,
): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}
