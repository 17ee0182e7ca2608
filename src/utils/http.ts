/**
 * A bounded HTTP(S) GET for relay metadata: the same routing as the WebSocket transport
 * (SSRF-checked pinned address on clearnet, SOCKS5 `socks5h://` for overlays via
 * socks-proxy-agent with node:http), a body cap enforced while streaming, and redirects
 * followed by hand so every hop goes through the SSRF guard again.
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { keepSessions, savedSession, sharedSecureContext } from "./tls-context.js";
import {
  ConnectError,
  deadline,
  flattenHeaders,
  planRoute,
  type Route,
  type RouteOptions,
  toConnectError,
  untilAborted,
  withInsecureRetry,
} from "./transport.js";

export interface HttpGetOptions extends RouteOptions {
  /** Deadline for the whole exchange, redirects included. */
  timeoutMs: number;
  signal?: AbortSignal;
  allowInsecure?: boolean;
  headers?: Record<string, string>;
  /** Body larger than this aborts the request (kind "too-large"). */
  maxBytes: number;
  /** Redirects followed at most; one more is an error (kind "redirect"). */
  maxRedirects: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** URL of the final response. */
  url: string;
  /** Every URL redirected to, in order. */
  redirects: string[];
  /** True when some hop only worked with TLS verification off. */
  insecure: boolean;
}

interface Exchange {
  res: IncomingMessage;
  body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function readBody(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers["content-length"] ?? Number.NaN);
    const tooLarge = () =>
      new ConnectError("too-large", `body larger than ${maxBytes} bytes`, {
        status: res.statusCode ?? 0,
      });
    const refuse = () => {
      reject(tooLarge());
      res.destroy();
    };
    if (declared > maxBytes) return refuse();
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) refuse();
      else chunks.push(chunk);
    });
    res.on("end", () => resolve(Buffer.concat(chunks)));
    res.on("error", reject);
    res.on("aborted", () => reject(new ConnectError("other", "response aborted")));
  });
}

function requestOnce(
  url: URL,
  route: Route,
  insecure: boolean,
  options: HttpGetOptions,
  signal: AbortSignal,
): Promise<Exchange> {
  const secure = url.protocol === "https:";
  const send = secure ? https.request : http.request;
  // Clearnet with verification: resume the host's saved session, and save this one.
  const verified = secure && !insecure && !route.overlay;
  const sessionKey = `${url.hostname}:${url.port || 443}`;
  const session = verified ? savedSession(sessionKey) : undefined;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: "GET",
      headers: options.headers ?? {},
      signal,
      rejectUnauthorized: !insecure && !route.overlay,
      ...(secure ? { secureContext: sharedSecureContext() } : {}),
      ...(verified && session ? { session } : {}),
      ...(route.agent ? { agent: route.agent } : { agent: false }),
      ...(route.lookup ? { lookup: route.lookup } : {}),
    });
    if (verified) req.once("socket", (socket) => keepSessions(sessionKey, socket as TLSSocket));
    req.on("error", (error) => reject(signal.aborted ? signal.reason : error));
    req.on("response", (res) => {
      const max = REDIRECTS.has(res.statusCode ?? 0) ? 64 * 1024 : options.maxBytes;
      readBody(res, max).then((body) => resolve({ res, body }), reject);
    });
    req.end();
  });
}

async function fetchHop(
  url: URL,
  options: HttpGetOptions,
  signal: AbortSignal,
): Promise<Exchange & { insecure: boolean }> {
  return withInsecureRetry(options, async (insecure) => {
    const route = await untilAborted(planRoute(url.hostname, { ...options, signal }), signal);
    const exchange = await requestOnce(url, route, insecure, options, signal);
    return { ...exchange, insecure };
  });
}

function nextUrl(current: URL, location: string): URL {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch (error) {
    throw new ConnectError("redirect", `invalid redirect location: ${location}`, { cause: error });
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new ConnectError("redirect", `redirect to unsupported scheme ${next.protocol}`);
  }
  return next;
}

async function follow(start: URL, options: HttpGetOptions, signal: AbortSignal) {
  const redirects: string[] = [];
  let url = start;
  let insecure = false;
  for (;;) {
    const hop = await fetchHop(url, options, signal);
    insecure ||= hop.insecure;
    const status = hop.res.statusCode ?? 0;
    const location = hop.res.headers.location;
    if (!REDIRECTS.has(status) || location === undefined) {
      const headers = flattenHeaders(hop.res.headers);
      return { status, headers, body: hop.body, url: url.href, redirects, insecure };
    }
    if (redirects.length >= options.maxRedirects) {
      throw new ConnectError("redirect", `more than ${options.maxRedirects} redirects`);
    }
    url = nextUrl(url, location);
    redirects.push(url.href);
  }
}

/** GETs `url` (http/https). Resolves with any final status; rejects with ConnectError. */
export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpResponse> {
  let start: URL;
  try {
    start = new URL(url);
  } catch (error) {
    throw new ConnectError("other", `invalid URL: ${url}`, { cause: error });
  }
  const limit = deadline(options.timeoutMs, options.signal, "request");
  try {
    return await follow(start, options, limit.signal);
  } catch (error) {
    throw toConnectError(limit.signal.aborted ? limit.signal.reason : error);
  } finally {
    limit.clear();
  }
}
