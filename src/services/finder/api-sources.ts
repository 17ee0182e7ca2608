import type { BrotrConfig } from "../../core/config/schemas.js";
import type { Network } from "../../models/network.js";
import { type Resolver, systemResolver } from "../../utils/dns.js";
import { httpGet } from "../../utils/http.js";
import { deadline, toConnectError, untilAborted } from "../../utils/transport.js";
import type { ApiSourceConfig } from "./config.js";
import { evaluateJsonPath, parseJsonPath } from "./json-path.js";

/** At most this many URLs are kept from one response. */
export const MAX_URLS_PER_SOURCE = 100_000;
const MAX_REDIRECTS = 3;

/** Why a fetch failed: a transport error kind or one of ours. Bounded (used as a label). */
export type SourceFailure =
  | ReturnType<typeof toConnectError>["kind"]
  | "network-disabled"
  | "invalid-json"
  | "bad-expression";

export type SourceResult =
  | {
      ok: true;
      urls: string[];
      /** Selected values that were not strings (ignored). */
      nonStrings: number;
      /** More than MAX_URLS_PER_SOURCE were selected. */
      truncated: boolean;
    }
  | { ok: false; kind: SourceFailure; reason: string };

export interface FetchOptions {
  brotr: BrotrConfig;
  signal: AbortSignal;
  /** Name resolution for clearnet sources (default: the system resolver). */
  resolver?: Resolver;
}

/** The network of an API host, by its suffix (overlay APIs go through the network's proxy). */
export function networkOfHost(hostname: string): Network {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.endsWith(".onion")) return "tor";
  if (host.endsWith(".i2p")) return "i2p";
  if (host.endsWith(".loki")) return "loki";
  return "clearnet";
}

/** Bounds name resolution (and so the SSRF check) by the source's connect_timeout. */
function timedResolver(base: Resolver, timeoutMs: number): Resolver {
  return {
    async lookup(host, signal) {
      const limit = deadline(timeoutMs, signal, "name resolution");
      try {
        return await untilAborted(base.lookup(host, limit.signal), limit.signal);
      } finally {
        limit.clear();
      }
    },
  };
}

function pickUrls(body: Buffer, expression: string): SourceResult {
  const path = parseJsonPath(expression);
  if (!path.ok) return { ok: false, kind: "bad-expression", reason: path.error };
  let document: unknown;
  try {
    document = JSON.parse(body.toString("utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message.slice(0, 200) : "not JSON";
    return { ok: false, kind: "invalid-json", reason: `response is not JSON: ${reason}` };
  }
  const values = evaluateJsonPath(path.path, document, MAX_URLS_PER_SOURCE + 1);
  const urls = values.filter((v): v is string => typeof v === "string");
  return {
    ok: true,
    urls: urls.slice(0, MAX_URLS_PER_SOURCE),
    nonStrings: values.length - urls.length,
    truncated: values.length > MAX_URLS_PER_SOURCE,
  };
}

/**
 * GETs one source through httpGet (size cap while streaming, deadline for the whole exchange,
 * SSRF guard unless `allow_private`, SOCKS for overlay hosts) and picks its URL strings.
 * Never throws: every failure comes back with a kind and a short reason.
 */
export async function fetchSource(
  source: ApiSourceConfig,
  options: FetchOptions,
): Promise<SourceResult> {
  const network = networkOfHost(new URL(source.url).hostname);
  const settings = options.brotr.networks[network];
  if (network !== "clearnet" && !settings.enabled) {
    return { ok: false, kind: "network-disabled", reason: `${network} is disabled` };
  }
  try {
    const response = await httpGet(source.url, {
      network,
      ...(settings.proxy ? { proxyUrl: settings.proxy } : {}),
      allowPrivate: options.brotr.allow_private,
      resolver: timedResolver(options.resolver ?? systemResolver, source.connect_timeout * 1000),
      timeoutMs: source.timeout * 1000,
      signal: options.signal,
      allowInsecure: source.allow_insecure,
      maxBytes: source.max_response_size,
      maxRedirects: MAX_REDIRECTS,
      headers: { accept: "application/json" },
    });
    if (response.status < 200 || response.status > 299) {
      return { ok: false, kind: "http-status", reason: `HTTP ${response.status}` };
    }
    return pickUrls(response.body, source.expression);
  } catch (error) {
    const failure = toConnectError(error);
    return { ok: false, kind: failure.kind, reason: failure.reason };
  }
}
