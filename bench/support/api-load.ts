/** The read API in its own process (api-host.ts) and the load against it (bench:api, bench:scale, bench:consensus). */
import type { ChildProcess } from "node:child_process";
import autocannon from "autocannon";
import { startJsonChild } from "./child.js";
import { pacedLoad, quantile } from "./paced-load.js";

/**
 * Starts the API on `dbUrl` with api.yaml's defaults except the rate limit (off: one client
 * makes all the load) and a pool of 10; `base` has no trailing slash.
 */
export async function startApiHost(dbUrl: string): Promise<{ base: string; child: ChildProcess }> {
  const spec = {
    url: dbUrl,
    pool: 10,
    config: { rate_limit: { enabled: false }, server: { port: 0 } },
  };
  const { value, child } = await startJsonChild<{ url: string }>("api-host.ts", spec);
  return { base: value.url.replace(/\/$/, ""), child };
}

export interface Measured {
  route: string;
  mode: string;
  reqPerS: number;
  p50: number;
  p99: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  /** Paced load only: requests a server that fell behind had not answered 30 s after the last left. */
  unanswered: number;
}

/**
 * One measurement of a route; `path` gives each request its path (random relay, author…).
 * With `rate`, an open-loop Poisson load of that many requests a second (paced-load.ts: each
 * latency from the request's scheduled departure); `burst` instead gives autocannon that rate
 * over 20 connections (each sends its share at the start of every second: the harness before
 * paced-load, kept for comparison); without `rate`, autocannon's 50 connections as fast as
 * they go.
 */
export async function measure(
  base: string,
  route: string,
  path: () => string,
  options: { duration: number; rate?: number; burst?: boolean },
): Promise<Measured> {
  if (options.rate && !options.burst) {
    // 20 connections, as autocannon had: a route slower than the rate queues in the client
    // (and its wait is counted) instead of piling requests onto the API's pool.
    const paced = await pacedLoad(base, path, {
      rate: options.rate,
      duration: options.duration,
      connections: 20,
    });
    return {
      route,
      mode: `${options.rate} req/s`,
      reqPerS: paced.reqPerS,
      p50: Math.round(quantile(paced.latencies, 0.5)),
      p99: Math.round(quantile(paced.latencies, 0.99)),
      errors: paced.errors,
      unanswered: paced.unanswered,
    };
  }
  const result = await autocannon({
    url: base,
    connections: options.rate ? 20 : 50,
    duration: options.duration,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: path() }) }],
  });
  return {
    route,
    mode: options.rate ? `${options.rate} req/s, bursts` : "max",
    reqPerS: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    unanswered: 0,
  };
}
