/**
 * NIP-66 net check (clearnet only): the relay's IPv4 and IPv6 addresses with their
 * autonomous system from an offline ASN database (the ip-location-db CSVs from npm, or an
 * operator's GeoLite2-ASN). ASN and organisation come from the IPv4 address, the IPv6 one
 * when there is no IPv4 match. The lookup itself (`lookupNet`) is a local read.
 */
import type { Network } from "../../models/network.js";
import type { Resolver } from "../../utils/dns.js";
import type { AsnDatabase } from "../../utils/geoip.js";
import { type CheckResult, checkError, checkOk, checkSkipped } from "../check-result.js";
import { type RetryOptions, retryCheck } from "../check-retry.js";
import { type HostAddresses, hostAddresses } from "./addresses.js";
import { clearnetOnly, relayTarget, since } from "./target.js";

export interface Nip66Net {
  ipv4?: string;
  ipv6?: string;
  asn?: number;
  asnOrg?: string;
  /** CIDR around the IPv4 address. */
  network?: string;
  /** CIDR around the IPv6 address. */
  networkV6?: string;
}

/** The ASN facts of the addresses, or null when the database knows neither. */
export function lookupNet(db: AsnDatabase, addresses: HostAddresses): Nip66Net | null {
  const v4 = addresses.ipv4 === undefined ? null : db.asn(addresses.ipv4);
  const v6 = addresses.ipv6 === undefined ? null : db.asn(addresses.ipv6);
  const main = v4 ?? v6;
  if (main === null) return null;
  return {
    ...addresses,
    asn: main.asn,
    ...(main.org === undefined ? {} : { asnOrg: main.org }),
    ...(v4 ? { network: v4.network } : {}),
    ...(v6 ? { networkV6: v6.network } : {}),
  };
}

export interface NetOptions {
  network: Network;
  /** null: no ASN database configured (the check is skipped). */
  db: AsnDatabase | null;
  resolver?: Resolver;
  timeoutMs: number;
  signal?: AbortSignal;
  retry?: RetryOptions;
}

async function netOnce(url: string, db: AsnDatabase, options: NetOptions) {
  const started = performance.now();
  const target = relayTarget(url);
  if (typeof target === "string") return checkError<Nip66Net>(target, 0);
  const addresses = await hostAddresses(target, options);
  if (options.signal?.aborted) return checkSkipped<Nip66Net>("aborted");
  if (typeof addresses === "string") return checkError<Nip66Net>(addresses, since(started));
  let found: Nip66Net | null;
  try {
    found = lookupNet(db, addresses);
  } catch (error) {
    return checkError<Nip66Net>(`database lookup failed: ${String(error)}`, since(started));
  }
  if (found !== null) return checkOk(found, since(started));
  const ips = [addresses.ipv4, addresses.ipv6].filter((a) => a !== undefined).join(" or ");
  return checkError<Nip66Net>(`no ASN for ${ips}`, since(started));
}

/** The network facts of a clearnet relay's addresses. Never throws. */
export async function checkNet(url: string, options: NetOptions): Promise<CheckResult<Nip66Net>> {
  const skip = clearnetOnly<Nip66Net>("net", options.network);
  if (skip) return skip;
  const { db } = options;
  if (db === null) return checkSkipped("no ASN database configured");
  return retryCheck(() => netOnce(url, db, options), {
    ...options.retry,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
