/**
 * Fetches a relay's NIP-11 document: ws→http, wss→https on the same host, port and path,
 * `Accept: application/nostr+json`, through `utils/http` (SSRF guard and pinned address on
 * clearnet, SOCKS5 for overlays, body cap while streaming, bounded redirects re-checked at
 * every hop). A relay that fails is a CheckResult "error", never an exception; only the
 * caller's own abort is rethrown.
 */
import { httpGet } from "../../utils/http.js";
import { ConnectError, type RouteOptions } from "../../utils/transport.js";
import { type CheckResult, checkError, checkOk } from "../check-result.js";
import { parseNip11 } from "./parse.js";
import type { Nip11Document } from "./types.js";

export const NIP11_DEFAULTS = {
  timeoutMs: 10_000,
  maxBytes: 1024 * 1024,
  maxRedirects: 3,
} as const;

export interface Nip11FetchOptions extends RouteOptions {
  /** Deadline for the whole fetch, redirects included. Default 10 s. */
  timeoutMs?: number;
  /** Body cap. Default 1 MiB. */
  maxBytes?: number;
  /** Default 3. */
  maxRedirects?: number;
  allowInsecure?: boolean;
  signal?: AbortSignal;
}

const JSON_TYPES = new Set(["application/nostr+json", "application/json"]);

/** The HTTP(S) URL of a relay's information document, or null for a non-ws URL. */
export function nip11Url(relayUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(relayUrl);
  } catch {
    return null;
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") return null;
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.hash = "";
  return url.href;
}

function interpret(
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  notes: string[],
): { data: Nip11Document; notes: string[] } | string {
  if (status !== 200) return `HTTP ${status}`;
  const mime = (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!JSON_TYPES.has(mime))
    notes.push(`content-type "${mime.slice(0, 64)}" is not application/nostr+json`);
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString("utf8"));
  } catch {
    return "body is not valid JSON";
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return "document is not a JSON object";
  }
  const parsed = parseNip11(raw);
  return { data: parsed.data, notes: [...notes, ...parsed.notes] };
}

/** GETs and parses the NIP-11 document of `relayUrl`. */
export async function fetchNip11(
  relayUrl: string,
  options: Nip11FetchOptions,
): Promise<CheckResult<Nip11Document>> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = nip11Url(relayUrl);
  if (url === null) return checkError(`not a ws:// or wss:// URL: ${relayUrl}`, elapsed());
  try {
    const res = await httpGet(url, {
      ...options,
      timeoutMs: options.timeoutMs ?? NIP11_DEFAULTS.timeoutMs,
      maxBytes: options.maxBytes ?? NIP11_DEFAULTS.maxBytes,
      maxRedirects: options.maxRedirects ?? NIP11_DEFAULTS.maxRedirects,
      headers: { Accept: "application/nostr+json" },
    });
    const notes = res.redirects.map((to) => `redirected to ${to}`);
    if (res.insecure) notes.push("TLS certificate not verified (allowInsecure)");
    const outcome = interpret(res.status, res.headers, res.body, notes);
    if (typeof outcome === "string") return checkError(outcome, elapsed());
    return checkOk(outcome.data, elapsed(), outcome.notes);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const reason = error instanceof ConnectError ? `${error.kind}: ${error.reason}` : String(error);
    return checkError(reason, elapsed());
  }
}
