/** The addresses a relay's host resolves to, for the geo and net checks (no connection made). */

import { isIP } from "node:net";
import { type Resolver, systemResolver } from "../../utils/dns.js";
import { deadline, untilAborted } from "../../utils/transport.js";
import type { RelayTarget } from "./target.js";

export interface HostAddresses {
  /** First IPv4 answer. */
  ipv4?: string;
  /** First IPv6 answer. */
  ipv6?: string;
}

/** The host's first IPv4 and IPv6 address; a string is why there is none. */
export async function hostAddresses(
  target: RelayTarget,
  options: { resolver?: Resolver; timeoutMs: number; signal?: AbortSignal },
): Promise<HostAddresses | string> {
  let found: string[];
  if (target.ipFamily !== 0) found = [target.host];
  else {
    const limit = deadline(options.timeoutMs, options.signal, "lookup");
    try {
      const resolver = options.resolver ?? systemResolver;
      found = await untilAborted(resolver.lookup(target.host, limit.signal), limit.signal);
    } catch (error) {
      const code = typeof error === "object" && error !== null && "code" in error ? error.code : "";
      const message = error instanceof Error ? error.message : String(error);
      return `${target.host}: lookup failed (${String(code) || message})`;
    } finally {
      limit.clear();
    }
  }
  const ipv4 = found.find((a) => isIP(a) === 4);
  const ipv6 = found.find((a) => isIP(a) === 6);
  if (ipv4 === undefined && ipv6 === undefined) return `${target.host}: no addresses`;
  return { ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) };
}
