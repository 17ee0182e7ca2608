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
import { setMaxListeners } from "node:events";
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
  /** A request whose connection is silent this many ms is an error. */
  timeoutMs?: number;
  /** Seconds answers are awaited after the last departure (default 30). */
  drainSeconds?: number;
}

export interface PacedResult {
  sent: number;
  /** Latencies (ms, ascending) of the 2xx answers and of the unanswered requests. */
  latencies: number[];
  /** Connection errors, silent connections and non-2xx answers. */
  errors: number;
  /** Still unanswered at the drain's end (their waits so far are among the latencies). */
  unanswered: number;
  /** Answers a second from the first departure to the last answer (or the duration). */
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

type Outcome = "ok" | "error" | "unanswered";

function send(
  agent: Agent,
  url: URL,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ outcome: Outcome; at: number }> {
  return new Promise((resolve) => {
    const done = (outcome: Outcome) => resolve({ outcome, at: performance.now() });
    const req = request(url, { agent, timeout: timeoutMs, signal }, (res) => {
      res.on("data", () => {});
      res.on("end", () => {
        const code = res.statusCode ?? 0;
        done(code >= 200 && code < 300 ? "ok" : "error");
      });
      res.on("error", () => done(signal.aborted ? "unanswered" : "error"));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => done(signal.aborted ? "unanswered" : "error"));
    req.end();
  });
}

/** Sends each planned request at its time; resolves once all have left. */
export async function depart(plan: readonly number[], start: number, leave: (at: number) => void) {
  let next = 0;
  while (next < plan.length) {
    const wait = start + (plan[next] as number) - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 1));
    // Everything due by now leaves; each is timed from its own scheduled departure.
    while (next < plan.length && start + (plan[next] as number) <= performance.now() + 0.5) {
      leave(start + (plan[next] as number));
      next += 1;
    }
  }
}

/**
 * Runs the load against `base` + `path()`. Answers are awaited up to `drainSeconds` after the
 * last departure; a request still unanswered then (a server that cannot keep up) is counted
 * `unanswered`, with the time it had waited as its latency (a lower bound), not as an error.
 */
export async function pacedLoad(
  base: string,
  path: () => string,
  options: PacedOptions,
): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections ?? 64 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const plan = arrivals(options.rate, options.duration, options.seed ?? 1);
  const drain = new AbortController();
  // Every request in flight listens for the drain's end: thousands at once are expected.
  setMaxListeners(0, drain.signal);
  const latencies: number[] = [];
  let errors = 0;
  let unanswered = 0;
  let lastAnswer = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  await depart(plan, start, (scheduled) => {
    const answered = send(agent, new URL(path(), base), timeoutMs, drain.signal);
    pending.push(
      answered.then(({ outcome, at }) => {
        if (outcome === "error") errors += 1;
        else latencies.push(at - scheduled);
        if (outcome === "unanswered") unanswered += 1;
        else lastAnswer = Math.max(lastAnswer, at);
      }),
    );
  });
  const cutoff = setTimeout(() => drain.abort(), (options.drainSeconds ?? 30) * 1000);
  await Promise.all(pending);
  clearTimeout(cutoff);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const answered = latencies.length - unanswered;
  const seconds = Math.max(options.duration, (lastAnswer - start) / 1000);
  return {
    sent: plan.length,
    latencies,
    errors,
    unanswered,
    reqPerS: Math.round(answered / seconds),
  };
}
