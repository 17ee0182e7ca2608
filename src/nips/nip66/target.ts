/** What the NIP-66 checks need to know about a relay URL, and the clearnet-only rule. */
import { isIP } from "node:net";
import { isOverlay, type Network } from "../../models/network.js";
import { type CheckResult, checkSkipped } from "../check-result.js";

/** Where a check connects: the host and port of a relay URL. */
export interface RelayTarget {
  /** Host without IPv6 brackets, lower-case. */
  host: string;
  /** The URL's port, or 443 / 80 by scheme. */
  port: number;
  /** wss:// */
  secure: boolean;
  /** 4 or 6 for an IP literal host, 0 for a name. */
  ipFamily: 0 | 4 | 6;
}

/** Parses a ws:// or wss:// URL; a string is the reason it is not one. */
export function relayTarget(relayUrl: string): RelayTarget | string {
  let url: URL;
  try {
    url = new URL(relayUrl);
  } catch {
    return `not a valid URL: ${relayUrl.slice(0, 200)}`;
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    return `not a ws:// or wss:// URL: ${relayUrl.slice(0, 200)}`;
  }
  const secure = url.protocol === "wss:";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  const family = isIP(host);
  return {
    host,
    port: url.port === "" ? (secure ? 443 : 80) : Number(url.port),
    secure,
    ipFamily: family === 4 || family === 6 ? family : 0,
  };
}

/** "skipped" for a check that only makes sense on clearnet, null when it may run. */
export function clearnetOnly<T>(check: string, network: Network): CheckResult<T> | null {
  if (!isOverlay(network)) return null;
  return checkSkipped(`${check} is a clearnet check (relay is on ${network})`);
}

/** Milliseconds since `started` (a performance.now() value), rounded. */
export function since(started: number): number {
  return Math.round(performance.now() - started);
}
