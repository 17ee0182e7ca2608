/**
 * Retrying a check: a result with status "error" is run again after
 * `min(initial · 2^n, max) + U(0, jitter)` ms, up to `retries` more times. "ok" and
 * "skipped" are final. The wait ends early when the signal aborts (the last result stands).
 */
import { onAbort } from "../utils/abort.js";
import type { CheckResult } from "./check-result.js";

export interface RetryOptions {
  /** Runs after the first failure; 0 = none (default). */
  retries?: number;
  /** Default 1000 ms. */
  initialDelayMs?: number;
  /** Default 10 000 ms. */
  maxDelayMs?: number;
  /** Uniform random extra wait, 0..jitterMs. Default 500 ms. */
  jitterMs?: number;
  /** An error whose reason this accepts is final (e.g. a timeout: waiting again costs as much). */
  isFinal?: (reason: string) => boolean;
}

/**
 * A refused connection (nothing listens: ECONNREFUSED) is final: trying again a second later
 * finds the same closed port, and a dead relay would hold its slot for the retry waits.
 */
export const refusedConnection = (reason: string): boolean => reason.startsWith("refused:");

export const RETRY_DEFAULTS = {
  retries: 0,
  initialDelayMs: 1000,
  maxDelayMs: 10_000,
  jitterMs: 500,
} as const;

/** The wait before retry number `retry` (0 = the first retry). */
export function retryDelayMs(
  retry: number,
  options: RetryOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialDelayMs ?? RETRY_DEFAULTS.initialDelayMs;
  const max = options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs;
  const jitter = options.jitterMs ?? RETRY_DEFAULTS.jitterMs;
  return Math.round(Math.min(initial * 2 ** retry, max) + random() * jitter);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    let off = () => {};
    const timer = setTimeout(() => {
      off();
      resolve();
    }, ms);
    if (signal) {
      off = onAbort(signal, () => {
        clearTimeout(timer);
        resolve();
      });
    }
  });
}

/**
 * Runs `check` until it does not fail or the retries are spent. An error after several runs
 * says how many in its reason ("… (3 attempts)").
 */
export async function retryCheck<T>(
  check: () => Promise<CheckResult<T>>,
  options: RetryOptions & { signal?: AbortSignal; random?: () => number } = {},
): Promise<CheckResult<T>> {
  const retries = Math.max(0, Math.floor(options.retries ?? RETRY_DEFAULTS.retries));
  let result = await check();
  let attempts = 1;
  const again = (r: CheckResult<T>) => r.status === "error" && !options.isFinal?.(r.reason);
  while (again(result) && attempts <= retries && !options.signal?.aborted) {
    await pause(retryDelayMs(attempts - 1, options, options.random), options.signal);
    if (options.signal?.aborted) break;
    result = await check();
    attempts++;
  }
  if (result.status === "error" && attempts > 1) {
    return { ...result, reason: `${result.reason} (${attempts} attempts)` };
  }
  return result;
}
