/**
 * The API's middleware: request metrics, text the database cannot hold, client identity and
 * rate limit, cache headers.
 */
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { unstorableTextReason } from "../models/text.js";
import { createKeyCheck, requestKey } from "./api-keys.js";
import type { ApiDeps, ApiVariables } from "./context.js";
import { ApiError } from "./errors.js";
import { RateLimiter } from "./rate-limit.js";

type Mw = MiddlewareHandler<{ Variables: ApiVariables }>;

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The matched route pattern (bounded), or "unmatched" for a 404 of no route. */
function routeLabel(c: Context): string {
  const last = matchedRoutes(c).at(-1);
  return last === undefined || last.method === "ALL" ? "unmatched" : last.path;
}

/** Counts requests by route, method and status; times them by route. */
export function requestMetrics(deps: ApiDeps): Mw {
  const requests = deps.metrics.counter("brotr_api_requests_total", "API requests", [
    "route",
    "method",
    "status",
  ]);
  const latency = deps.metrics.histogram(
    "brotr_api_request_duration_seconds",
    "API request latency",
    LATENCY_BUCKETS,
    ["route"],
  );
  return async (c, next) => {
    const started = performance.now();
    await next();
    const route = routeLabel(c);
    const method = c.req.method === "HEAD" ? "GET" : c.req.method;
    requests.inc({ route, method, status: String(c.res.status) });
    latency.observe({ route }, (performance.now() - started) / 1000);
  };
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text; // not valid percent-encoding: the router keeps it as written, so do we
  }
}

/** Each decoded piece of the request URL with where it is: `path`, `query.<name>`. */
function* urlInputs(url: URL): Generator<[where: string, text: string]> {
  for (const segment of url.pathname.split("/")) yield ["path", decoded(segment)];
  for (const pair of url.search.slice(1).split("&")) {
    const eq = pair.indexOf("=");
    const name = decoded(eq < 0 ? pair : pair.slice(0, eq));
    yield ["query", name];
    if (eq >= 0) yield [`query.${name}`, decoded(pair.slice(eq + 1))];
  }
}

/**
 * Refuses, with a 400 naming where, a request whose path or query holds text PostgreSQL cannot
 * store or compare (a NUL character, a lone surrogate): every route, present and future, is
 * covered here before its input can reach a query.
 */
export function storableInput(): Mw {
  return async (c, next) => {
    for (const [where, text] of urlInputs(new URL(c.req.url))) {
      const reason = unstorableTextReason(text);
      if (reason === null) continue;
      const message = `${reason}, which cannot be stored or searched`;
      throw new ApiError(400, "bad_request", `invalid ${where}: ${message}`, {
        issues: [{ path: where, message }],
      });
    }
    await next();
  };
}

/** The peer address of the connection (no socket in in-process requests: "local"). */
function peerAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "local";
}

/**
 * Names the client (`key:…` for a valid API key, else `ip:<address>`) and takes a token from
 * its bucket: 401 for an unknown key, 429 with Retry-After for an empty bucket.
 */
export function clientLimit(deps: ApiDeps): Mw {
  const config = deps.config.rate_limit;
  const check = createKeyCheck(deps.apiKeys);
  const limiter = new RateLimiter(config.max_clients);
  const limited = deps.metrics.counter("brotr_api_rate_limited_total", "Requests refused (429)", [
    "client",
  ]);
  return async (c, next) => {
    const key = requestKey(c.req.raw.headers);
    const keyed = key === undefined ? undefined : check(key);
    if (key !== undefined && keyed === undefined) {
      throw new ApiError(401, "unauthorized", "unknown API key");
    }
    const client = keyed ?? `ip:${peerAddress(c)}`;
    c.set("client", client);
    if (config.enabled) {
      const bucket = keyed ? config.keyed : config.anonymous;
      const admission = limiter.take(client, bucket);
      if (!admission.ok) {
        limited.inc({ client: keyed ? "keyed" : "anonymous" });
        throw new ApiError(429, "rate_limited", "too many requests; retry later", {
          headers: { "Retry-After": String(admission.retryAfterS) },
        });
      }
      c.header("RateLimit-Limit", String(bucket.burst));
      c.header("RateLimit-Remaining", String(admission.remaining));
    }
    await next();
  };
}

/**
 * Cross-origin GETs of /v1 (any origin, or those listed), and the preflight of one. The
 * headers are set before the route runs (c.header): hono's own cors middleware sets them on
 * `c.res` first, which makes every response be copied into a new one once the route answers
 * (see cacheFor).
 */
export function crossOrigin(origins: readonly string[]): Mw {
  const anyOrigin = origins.includes("*");
  return async (c, next) => {
    const origin = c.req.header("origin") ?? "";
    const allowed = anyOrigin ? "*" : origins.includes(origin) ? origin : undefined;
    if (allowed !== undefined) c.header("Access-Control-Allow-Origin", allowed);
    c.header(
      "Access-Control-Expose-Headers",
      "ETag,Retry-After,RateLimit-Limit,RateLimit-Remaining",
    );
    if (!anyOrigin) c.header("Vary", "Origin", { append: true });
    if (c.req.method !== "OPTIONS") return next();
    c.header("Access-Control-Max-Age", "86400");
    c.header("Access-Control-Allow-Methods", "GET,HEAD,OPTIONS");
    c.header("Access-Control-Allow-Headers", "X-API-Key,Authorization,If-None-Match,Last-Event-ID");
    return c.body(null, 204);
  };
}

/**
 * Cache-Control for a successful GET, set before the route runs: errors replace it with
 * no-store (errorResponse), a route may set its own. Not after it: reading or changing the
 * headers of a response once built makes @hono/node-server rebuild it as a web stream instead
 * of writing its bytes directly (a third of /v1/online's time per request).
 */
export function cacheFor(seconds: number): Mw {
  const value = seconds > 0 ? `public, max-age=${seconds}` : "no-cache";
  return async (c, next) => {
    c.header("Cache-Control", value);
    await next();
  };
}
