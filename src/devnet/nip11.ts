import type { IncomingMessage, ServerResponse } from "node:http";
import { DEFAULT_MAX_LIMIT, defaultNip11, type FakeRelayOptions } from "./fake-relay-types.js";

export const NIP11_CORS_HEADERS: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "*",
  "Access-Control-Allow-Methods": "GET, OPTIONS",
};

function wantsNip11(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").includes("application/nostr+json");
}

function nip11Body(opts: FakeRelayOptions): string | null {
  const doc = opts.nip11;
  if (doc === null) return null;
  if (typeof doc === "string") return doc;
  if (doc !== undefined) return JSON.stringify(doc);
  return JSON.stringify(
    defaultNip11(opts.maxLimit ?? DEFAULT_MAX_LIMIT, opts.requireAuth ?? false, opts),
  );
}

function answerNip11(res: ServerResponse, opts: FakeRelayOptions): void {
  const headers = { ...NIP11_CORS_HEADERS, ...opts.httpHeaders };
  if (opts.nip11Redirect !== undefined) {
    res.writeHead(302, { ...headers, Location: opts.nip11Redirect }).end();
    return;
  }
  const body = nip11Body(opts);
  if (body === null) {
    res.writeHead(404, { ...headers, "Content-Type": "text/plain" }).end("not found");
    return;
  }
  const contentType = opts.nip11ContentType ?? "application/nostr+json";
  res.writeHead(200, { ...headers, "Content-Type": contentType }).end(body);
}

/**
 * Plain HTTP on the relay's port: NIP-11 for `Accept: application/nostr+json`, CORS preflight,
 * and a short text page otherwise. A delayed answer's timer goes into `timers` so close() can
 * clear it.
 */
export function handleHttpRequest(
  req: IncomingMessage,
  res: ServerResponse,
  opts: FakeRelayOptions,
  timers: Set<NodeJS.Timeout>,
): void {
  if (req.method === "OPTIONS") {
    res.writeHead(204, { ...NIP11_CORS_HEADERS, ...opts.httpHeaders }).end();
    return;
  }
  if (!wantsNip11(req)) {
    const headers = { ...opts.httpHeaders, "Content-Type": "text/plain" };
    res.writeHead(200, headers).end("bigbrotr fake relay: use a websocket client\n");
    return;
  }
  const delay = opts.nip11DelayMs ?? 0;
  if (delay <= 0) {
    answerNip11(res, opts);
    return;
  }
  const timer = setTimeout(() => {
    timers.delete(timer);
    if (!res.destroyed) answerNip11(res, opts);
  }, delay);
  timers.add(timer);
}
