/**
 * Open-loop HTTP load at a mean rate, the way many independent users load an API: requests
 * leave at Poisson arrival times (exponential gaps from a seeded generator) over kept-alive
 * connections, and each latency runs from the request's scheduled departure, not from when a
 * free connection sent it, so a slow server is charged for every request that queued behind
 * it (no coordinated omission).
 *
 * autocannon's `overallRate`, used before, releases each connection's share of a second at the
 * start of that second: at 200 req/s over 20 connections, 20 requests land together every
 * 100 ms and the median measured the queue of that burst, not the service (a memoized answer
 * measured p50 19 ms).
 */
import { Agent, request } from "node:http";
import { createPrng } from "../../src/devnet/prng.js";

export interface PacedOptions {
  /** Mean requests per second. */
  rate: number;
  /** Seconds of arrivals. */
  duration: number;
  seed?: number;
  /** Most connections open at once (requests beyond wait for one, and that wait is counted). */
  connections?: number;
  /** A request without a whole answer after this many ms is an error. */
  timeoutMs?: number;
}

export interface PacedResult {
  sent: number;
  /** 2xx answers; their latencies, ms, ascending. */
  latencies: number[];
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  /** Answers per second over the arrivals' duration. */
  reqPerS: number;
}

/** The q-quantile (0–1) of ascending `sorted`, nearest rank; 0 when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Departure times (ms from the start) of a Poisson process of `rate` a second over `duration` s. */
export function arrivals(rate: number, duration: number, seed: number): number[] {
  const prng = createPrng(seed);
  const out: number[] = [];
  let t = 0;
  for (;;) {
    t += (-Math.log(1 - prng.next()) / rate) * 1000;
    if (t >= duration * 1000) return out;
    out.push(t);
  }
}

function send(agent: Agent, url: URL, timeoutMs: number): Promise<{ ok: boolean; at: number }> {
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      res.on("data", () => {});
      res.on("end", () => {
        const code = res.statusCode ?? 0;
        resolve({ ok: code >= 200 && code < 300, at: performance.now() });
      });
      res.on("error", () => resolve({ ok: false, at: performance.now() }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ ok: false, at: performance.now() }));
    req.end();
  });
}

/** Runs the load against `base` + `path()` and resolves once every request has ended. */
export async function pacedLoad(
  base: string,
  path: () => string,
  options: PacedOptions,
): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections ?? 64 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const plan = arrivals(options.rate, options.duration, options.seed ?? 1);
  const latencies: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  let next = 0;
  while (next < plan.length) {
    const due = start + (plan[next] as number);
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 1));
    // Everything due by now leaves; each is timed from its own scheduled departure.
    while (next < plan.length && start + (plan[next] as number) <= performance.now() + 0.5) {
      const scheduled = start + (plan[next] as number);
      next += 1;
      pending.push(
        send(agent, new URL(path(), base), timeoutMs).then(({ ok, at }) => {
          if (ok) latencies.push(at - scheduled);
          else errors += 1;
        }),
      );
    }
  }
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    sent: plan.length,
    latencies,
    errors,
    reqPerS: Math.round(latencies.length / options.duration),
  };
}
