/**
 * NIP-66 http check (every network): the `Server` and `X-Powered-By` headers of the relay's
 * WebSocket upgrade response. `httpFromHeaders` reads them from headers already in hand (the
 * rtt check's connection has them as `upgradeHeaders`).
 */
import {
  type ConnectOptions,
  type OpenedWebSocket,
  openWebSocket,
  type RouteOptions,
  toConnectError,
} from "../../utils/transport.js";
import { type CheckResult, checkError, checkOk, checkSkipped } from "../check-result.js";
import { type RetryOptions, refusedConnection, retryCheck } from "../check-retry.js";
import { since } from "./target.js";

export interface Nip66Http {
  server?: string;
  poweredBy?: string;
}

/** Header values longer than this are cut (hostile servers). */
export const MAX_HEADER_LENGTH = 256;

/** The two headers from a lower-case header map (as utils/transport flattens them). */
export function httpFromHeaders(headers: Readonly<Record<string, string>>): Nip66Http {
  const out: Nip66Http = {};
  const server = headers.server?.trim().slice(0, MAX_HEADER_LENGTH);
  const poweredBy = headers["x-powered-by"]?.trim().slice(0, MAX_HEADER_LENGTH);
  if (server) out.server = server;
  if (poweredBy) out.poweredBy = poweredBy;
  return out;
}

export interface HttpOptions extends RouteOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  allowInsecure?: boolean;
  /** Opens the WebSocket; default utils/transport's openWebSocket. */
  open?: (url: string, options: ConnectOptions) => Promise<OpenedWebSocket>;
  retry?: RetryOptions;
}

async function httpOnce(url: string, options: HttpOptions): Promise<CheckResult<Nip66Http>> {
  const started = performance.now();
  const { open = openWebSocket, retry: _retry, ...connect } = options;
  try {
    const opened = await open(url, connect);
    opened.takeMessages(() => {});
    opened.ws.close(1000);
    setTimeout(() => opened.ws.terminate(), 1000).unref();
    return checkOk(httpFromHeaders(opened.upgradeHeaders), since(started));
  } catch (error) {
    if (options.signal?.aborted) return checkSkipped("aborted");
    const failure = toConnectError(error);
    return checkError(`${failure.kind}: ${failure.reason}`, since(started));
  }
}

/** Upgrades to a WebSocket and reads the server's self-description. Never throws. */
export function checkHttp(url: string, options: HttpOptions): Promise<CheckResult<Nip66Http>> {
  return retryCheck(() => httpOnce(url, options), {
    isFinal: refusedConnection,
    ...options.retry,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
