/** The read API in its own process (api-host.ts) and autocannon runs against it (bench:api, bench:scale). */
import type { ChildProcess } from "node:child_process";
import autocannon from "autocannon";
import { startJsonChild } from "./child.js";

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
}

/**
 * One autocannon run; `path` gives each request its path (random relay, author…). With
 * `rate`, 20 connections hold that many requests a second; without, 50 go as fast as they can.
 */
export async function measure(
  base: string,
  route: string,
  path: () => string,
  options: { duration: number; rate?: number },
): Promise<Measured> {
  const result = await autocannon({
    url: base,
    connections: options.rate ? 20 : 50,
    duration: options.duration,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: path() }) }],
  });
  const bad = result.errors + result.timeouts + result.non2xx;
  return {
    route,
    mode: options.rate ? `${options.rate} req/s` : "max",
    reqPerS: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: bad,
  };
}
