/**
 * Opening connections to relays: the SSRF guard and address pinning for clearnet, the
 * SOCKS5 proxy for overlays (tor, i2p, loki), deadlines, and one typed error.
 *
 * Clearnet: the host is resolved once through `resolvePublicAddress`; the connection then
 * goes to that exact address through a `lookup` override, so a DNS answer that changes
 * between the check and the connect (rebinding) cannot reach a private address. SNI and the
 * Host header stay the host name.
 * Overlays: always through `proxyUrl` (`socks5h://`, so the proxy resolves the name); no
 * local lookup, no SSRF check, and TLS is not verified (onion services rarely have a
 * certificate a CA signed).
 */
import type { IncomingHttpHeaders } from "node:http";
import { isIP, type LookupFunction } from "node:net";
import tls from "node:tls";
import { SocksClientError } from "socks";
import { SocksProxyAgent } from "socks-proxy-agent";
import WebSocket from "ws";
import { BrotrError } from "../models/errors.js";
import { isOverlay, type Network } from "../models/network.js";
import { onAbort } from "./abort.js";
import { type Resolver, resolvePublicAddress, systemResolver } from "./dns.js";
import { keepSessions, savedSession, sharedSecureContext } from "./tls-context.js";

export type ConnectErrorKind =
  | "timeout"
  | "refused"
  | "dns"
  | "tls"
  | "private-address"
  | "proxy"
  | "aborted"
  | "http-status"
  | "too-large"
  | "redirect"
  | "other";

/** Any failure to reach a relay. `reason` is short, human-readable and safe to store. */
export class ConnectError extends BrotrError {
  readonly kind: ConnectErrorKind;
  readonly reason: string;
  /** HTTP status, for kind "http-status". */
  readonly status: number | undefined;
  constructor(
    kind: ConnectErrorKind,
    reason: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(`${kind}: ${reason}`, options);
    this.kind = kind;
    this.reason = reason;
    this.status = options?.status;
  }
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** Where and how to reach one host; shared by WebSocket and HTTP. */
export interface RouteOptions {
  network: Network;
  /** `socks5h://host:port`; required for overlays, ignored for clearnet. */
  proxyUrl?: string;
  /** Connect to private/loopback addresses (tests, LAN deployments). Default false. */
  allowPrivate?: boolean;
  /** Default: the system resolver. */
  resolver?: Resolver;
}

export interface ConnectOptions extends RouteOptions {
  /** Deadline for everything: DNS, TCP, TLS, SOCKS and the upgrade (per attempt). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** On a certificate error, retry once without TLS verification. Default false. */
  allowInsecure?: boolean;
  /** Largest incoming message accepted; larger closes the socket (1009). Default 16 MiB. */
  maxPayloadBytes?: number;
  headers?: Record<string, string>;
}

/** A route for one request: the pinned lookup (clearnet) or the SOCKS agent (overlay). */
export interface Route {
  overlay: boolean;
  lookup?: LookupFunction;
  agent?: SocksProxyAgent;
  /** The checked address (clearnet only). */
  address?: string;
}

function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_host, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

function proxyAgent(network: Network, proxyUrl: string | undefined): SocksProxyAgent {
  if (proxyUrl === undefined) {
    throw new ConnectError("proxy", `${network} relays need a SOCKS5 proxy (proxyUrl socks5h://…)`);
  }
  if (!proxyUrl.startsWith("socks5h://")) {
    throw new ConnectError("proxy", "proxyUrl must be socks5h:// so the proxy resolves the name");
  }
  return new SocksProxyAgent(proxyUrl);
}

/** Plans how to reach `host`: SOCKS for overlays, SSRF-checked pinned address for clearnet. */
export async function planRoute(
  host: string,
  options: RouteOptions & { signal?: AbortSignal },
): Promise<Route> {
  if (isOverlay(options.network)) {
    return { overlay: true, agent: proxyAgent(options.network, options.proxyUrl) };
  }
  const checked = await resolvePublicAddress(host, {
    resolver: options.resolver ?? systemResolver,
    allowPrivate: options.allowPrivate ?? false,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!checked.ok) throw new ConnectError(checked.kind, checked.reason);
  return {
    overlay: false,
    lookup: pinnedLookup(checked.address, checked.family),
    address: checked.address,
  };
}

const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH)/;
const CERT_TEXT = /certificate|self[- ]signed|x509|unable to verify|altname/i;

function errorCode(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
}

/** True for certificate problems that `allowInsecure` may retry (not protocol failures). */
export function isCertificateError(error: unknown): boolean {
  const code = errorCode(error);
  if (code.startsWith("ERR_SSL_")) return false;
  if (TLS_CODE.test(code)) return true;
  return error instanceof Error && CERT_TEXT.test(error.message);
}

/** Maps anything thrown while connecting to a ConnectError. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const reason = code && !message.includes(code) ? `${code}: ${message}` : message;
  const options = { cause: error };
  if (error instanceof SocksClientError) return new ConnectError("proxy", message, options);
  if (error instanceof Error && error.name === "AbortError") {
    return new ConnectError("aborted", "aborted", options);
  }
  if (code === "ECONNREFUSED") return new ConnectError("refused", reason, options);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new ConnectError("dns", reason, options);
  if (code === "ETIMEDOUT") return new ConnectError("timeout", reason, options);
  if (TLS_CODE.test(code) || code === "EPROTO" || isCertificateError(error)) {
    return new ConnectError("tls", reason, options);
  }
  return new ConnectError("other", reason, options);
}

/**
 * A signal that aborts when `parent` aborts (reason: ConnectError "aborted") or after
 * `timeoutMs` (reason: ConnectError "timeout"). Call `clear()` when done: no timer survives.
 */
export function deadline(
  timeoutMs: number,
  parent: AbortSignal | undefined,
  what = "connect",
): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const onParent = () =>
    controller.abort(new ConnectError("aborted", "aborted", { cause: parent?.reason }));
  const timer = setTimeout(
    () => controller.abort(new ConnectError("timeout", `${what} timed out after ${timeoutMs} ms`)),
    timeoutMs,
  );
  if (parent?.aborted) onParent();
  const off = parent ? onAbort(parent, onParent) : () => {};
  const clear = () => {
    clearTimeout(timer);
    off();
  };
  return { signal: controller.signal, clear };
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const off = onAbort(signal, () => reject(signal.reason));
    promise.then(resolve, reject).finally(off);
  });
}

/**
 * Runs `attempt(insecure=false)`; on a certificate error, when allowed and on clearnet,
 * runs it once more with verification off. The result says which one succeeded.
 */
export async function withInsecureRetry<T>(
  options: { network: Network; allowInsecure?: boolean },
  attempt: (insecure: boolean) => Promise<T>,
): Promise<T> {
  try {
    return await attempt(false);
  } catch (error) {
    const retry = options.allowInsecure === true && !isOverlay(options.network);
    if (!retry || !isCertificateError(error instanceof ConnectError ? error.cause : error)) {
      throw error;
    }
    return attempt(true);
  }
}

/** Flattens Node's header object (lower-case names, repeated values joined by ", "). */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** An open socket plus what was learned while opening it. */
export interface OpenedWebSocket {
  ws: WebSocket;
  /** Headers of the HTTP 101 response (`server`, `x-powered-by`…), names lower-case. */
  upgradeHeaders: Record<string, string>;
  /** Milliseconds from the start of the successful attempt (incl. DNS/SOCKS) to open. */
  rttOpenMs: number;
  /** True when the connection only succeeded with TLS verification off. */
  insecure: boolean;
  /** The address connected to (clearnet), undefined through a proxy. */
  address: string | undefined;
  /**
   * Attaches the message handler. Frames that arrived between 'open' and this call (a relay
   * may send AUTH in the same packet as the 101) are buffered and replayed first, in order.
   * Call it right away: until then frames are held in memory.
   */
  takeMessages(handler: (data: WebSocket.RawData, isBinary: boolean) => void): void;
}

type Opened = Omit<OpenedWebSocket, "rttOpenMs" | "insecure">;

function bufferEarlyMessages(ws: WebSocket): Pick<OpenedWebSocket, "takeMessages"> {
  const early: [WebSocket.RawData, boolean][] = [];
  const buffer = (data: WebSocket.RawData, isBinary: boolean) => early.push([data, isBinary]);
  ws.on("message", buffer);
  return {
    takeMessages(handler) {
      ws.off("message", buffer);
      for (const [data, isBinary] of early.splice(0)) handler(data, isBinary);
      ws.on("message", handler);
    },
  };
}

function parseWsUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ConnectError("other", `invalid URL: ${url}`, { cause: error });
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new ConnectError("other", `not a ws:// or wss:// URL: ${url}`);
  }
  return parsed;
}

/**
 * A wss:// connection's TLS options: the shared context and, on clearnet with verification,
 * the session last saved for the host (the NIP-11 GET's, say), resumed instead of verified again.
 */
function tlsOptions(url: URL, route: Route, insecure: boolean): Record<string, unknown> {
  const base = { secureContext: sharedSecureContext() };
  if (route.overlay || insecure) return base;
  const key = `${url.hostname}:${url.port || 443}`;
  const session = savedSession(key);
  const createConnection = (options: tls.ConnectionOptions) => {
    const servername = options.servername ?? (isIP(url.hostname) ? "" : url.hostname);
    const socket = tls.connect({ ...options, path: undefined, servername });
    keepSessions(key, socket);
    return socket;
  };
  return { ...base, ...(session ? { session } : {}), createConnection };
}

function createSocket(
  url: URL,
  options: ConnectOptions,
  route: Route,
  insecure: boolean,
): WebSocket {
  // `lookup` is not in ws's types, but ws hands every option on to net/tls.connect.
  return new WebSocket(url, {
    perMessageDeflate: true,
    followRedirects: false,
    maxPayload: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    rejectUnauthorized: !insecure && !route.overlay,
    ...(url.protocol === "wss:" ? tlsOptions(url, route, insecure) : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(route.agent ? { agent: route.agent } : {}),
    ...(route.lookup ? { lookup: route.lookup } : {}),
  } as WebSocket.ClientOptions);
}

function handshake(
  url: URL,
  options: ConnectOptions,
  route: Route,
  insecure: boolean,
  signal: AbortSignal,
): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = createSocket(url, options, route, insecure);
    let upgradeHeaders: Record<string, string> = {};
    let done = false;
    let off = () => {};
    const settle = (error: ConnectError | null) => {
      if (done) return;
      done = true;
      off();
      ws.removeAllListeners("open").removeAllListeners("upgrade");
      ws.removeAllListeners("unexpected-response");
      if (error === null) {
        return resolve({ ws, upgradeHeaders, address: route.address, ...bufferEarlyMessages(ws) });
      }
      ws.terminate();
      reject(error);
    };
    // Kept for the socket's whole life: errors also surface as "close", and an 'error'
    // event without a listener would crash the process.
    ws.on("error", (error) => settle(toConnectError(error)));
    ws.once("upgrade", (res) => {
      upgradeHeaders = flattenHeaders(res.headers);
    });
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      settle(new ConnectError("http-status", `HTTP ${status} instead of 101`, { status }));
    });
    ws.once("open", () => settle(null));
    off = onAbort(signal, () => settle(toConnectError(signal.reason)));
  });
}

/**
 * Opens a WebSocket to a relay. Resolves with the socket, the upgrade response headers and
 * the open time; rejects with ConnectError. The socket keeps a no-op 'error' listener
 * (failures after open show up as its 'close' event).
 */
export async function openWebSocket(
  url: string,
  options: ConnectOptions,
): Promise<OpenedWebSocket> {
  const parsed = parseWsUrl(url);
  return withInsecureRetry(options, async (insecure) => {
    const started = performance.now();
    const limit = deadline(options.timeoutMs, options.signal);
    try {
      const planned = planRoute(parsed.hostname, { ...options, signal: limit.signal });
      const route = await untilAborted(planned, limit.signal);
      const opened = await handshake(parsed, options, route, insecure, limit.signal);
      return { ...opened, insecure, rttOpenMs: Math.round(performance.now() - started) };
    } catch (error) {
      throw toConnectError(limit.signal.aborted ? limit.signal.reason : error);
    } finally {
      limit.clear();
    }
  });
}
