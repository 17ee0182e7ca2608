/**
 * Name resolution behind an interface (tests pass a fake), and the SSRF guard used before
 * every clearnet connection: a host is refused when ANY of its addresses is private,
 * loopback, link-local or otherwise reserved, so a name cannot smuggle one internal
 * address next to a public one.
 */
import { promises as dnsPromises } from "node:dns";
import { isIP } from "node:net";
import { isPrivateAddress } from "../models/ip-range.js";
import { onAbort } from "./abort.js";

/** Resolves a host name to all of its addresses (IPv4 and IPv6, any order). */
export interface Resolver {
  lookup(host: string, signal?: AbortSignal): Promise<string[]>;
}

/** The operating system's resolver (`getaddrinfo`, honours /etc/hosts and gai.conf). */
export const systemResolver: Resolver = {
  async lookup(host, signal) {
    signal?.throwIfAborted();
    const found = await dnsPromises.lookup(host, { all: true, verbatim: true });
    signal?.throwIfAborted();
    return found.map((entry) => entry.address);
  },
};

export type AddressCheck =
  | { ok: true; address: string; family: 4 | 6 }
  | { ok: false; kind: "dns" | "private-address"; reason: string };

export interface AddressCheckOptions {
  resolver: Resolver;
  allowPrivate: boolean;
  signal?: AbortSignal;
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function familyOf(address: string): 4 | 6 | 0 {
  const family = isIP(address);
  return family === 4 || family === 6 ? family : 0;
}

/** Chooses the address to connect to: the first IPv4 if there is one, else the first IPv6. */
function pickAddress(addresses: readonly string[]): { address: string; family: 4 | 6 } | null {
  const v4 = addresses.find((a) => familyOf(a) === 4);
  if (v4 !== undefined) return { address: v4, family: 4 };
  const v6 = addresses.find((a) => familyOf(a) === 6);
  return v6 === undefined ? null : { address: v6, family: 6 };
}

function checkAddresses(
  host: string,
  addresses: readonly string[],
  allowPrivate: boolean,
): AddressCheck {
  if (!allowPrivate) {
    const bad = addresses.find((a) => isPrivateAddress(a));
    if (bad !== undefined) {
      const via = bad === host ? "" : ` (resolves to ${bad})`;
      return { ok: false, kind: "private-address", reason: `${host}${via} is a private address` };
    }
  }
  const picked = pickAddress(addresses);
  if (picked === null) return { ok: false, kind: "dns", reason: `${host}: no usable address` };
  return { ok: true, ...picked };
}

function dnsFailure(host: string, error: unknown): AddressCheck {
  const code =
    typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, kind: "dns", reason: `${host}: lookup failed (${code || message})` };
}

/**
 * Resolves `host` and returns the one address to connect to, refusing private targets
 * unless `allowPrivate`. IP literals (with or without brackets) are checked without a lookup.
 * Never throws, except when `signal` aborts (the abort reason is rethrown).
 */
export async function resolvePublicAddress(
  host: string,
  options: AddressCheckOptions,
): Promise<AddressCheck> {
  const bare = stripBrackets(host);
  if (familyOf(bare) !== 0) return checkAddresses(bare, [bare], options.allowPrivate);
  let addresses: string[];
  try {
    addresses = await options.resolver.lookup(bare, options.signal);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    return dnsFailure(bare, error);
  }
  if (addresses.length === 0) return { ok: false, kind: "dns", reason: `${bare}: no addresses` };
  return checkAddresses(bare, addresses, options.allowPrivate);
}

/** An address record with its TTL (seconds). */
export interface TtlAddress {
  address: string;
  ttl: number;
}

/**
 * DNS records of a name, for the NIP-66 dns check. Failures reject with an Error whose
 * `code` is Node's (ENOTFOUND = no such name, ENODATA = no record of that type, ETIMEOUT…).
 */
export interface RecordResolver {
  resolve4(host: string, signal?: AbortSignal): Promise<TtlAddress[]>;
  resolve6(host: string, signal?: AbortSignal): Promise<TtlAddress[]>;
  resolveCname(host: string, signal?: AbortSignal): Promise<string[]>;
  resolveNs(host: string, signal?: AbortSignal): Promise<string[]>;
  reverse(address: string, signal?: AbortSignal): Promise<string[]>;
}

/** Runs one query on its own Node resolver, so an abort cancels just that query. */
function query<T>(
  options: { timeoutMs: number; servers?: string[] },
  signal: AbortSignal | undefined,
  run: (resolver: dnsPromises.Resolver) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  const resolver = new dnsPromises.Resolver({ timeout: options.timeoutMs, tries: 1 });
  if (options.servers !== undefined) resolver.setServers(options.servers);
  const off = signal ? onAbort(signal, () => resolver.cancel()) : () => {};
  return run(resolver).finally(off);
}

/**
 * The system's DNS servers (or `servers`), queried directly (c-ares, not getaddrinfo).
 */
export function systemRecordResolver(
  options: { timeoutMs: number; servers?: string[] } = { timeoutMs: 5000 },
): RecordResolver {
  return {
    resolve4: (host, signal) => query(options, signal, (r) => r.resolve4(host, { ttl: true })),
    resolve6: (host, signal) => query(options, signal, (r) => r.resolve6(host, { ttl: true })),
    resolveCname: (host, signal) => query(options, signal, (r) => r.resolveCname(host)),
    resolveNs: (host, signal) => query(options, signal, (r) => r.resolveNs(host)),
    reverse: (address, signal) => query(options, signal, (r) => r.reverse(address)),
  };
}
