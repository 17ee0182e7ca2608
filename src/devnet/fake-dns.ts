/**
 * A DNS stand-in for tests and the devnet: a zone of made-up names answering both interfaces
 * of utils/dns (the address `lookup` used to connect, and the record queries of the NIP-66
 * dns check). CNAMEs are followed for A/AAAA and lookup, as a recursive resolver does.
 * Unknown names fail with ENOTFOUND, a known name without the record type with ENODATA, and
 * `failures` forces any error code on one name and record type. No packet is ever sent.
 */
import type { RecordResolver, Resolver, TtlAddress } from "../utils/dns.js";

export interface FakeDnsRecord {
  a?: string[];
  aaaa?: string[];
  cname?: string;
  ns?: string[];
  /** TTL of the A/AAAA answers; default 300. */
  ttl?: number;
}

export type FakeDnsType = "A" | "AAAA" | "CNAME" | "NS" | "PTR" | "lookup";

export interface FakeDnsOptions {
  /** Records by (lower-case) name. */
  zone: Record<string, FakeDnsRecord>;
  /** PTR names by address. */
  ptr?: Record<string, string[]>;
  /** Forced error codes: `{ "relay.test": { NS: "ETIMEOUT" } }`. */
  failures?: Record<string, Partial<Record<FakeDnsType, string>>>;
  /** Delay of every answer, ms. */
  delayMs?: number;
}

export interface FakeDns extends Resolver, RecordResolver {
  /** Every query in order, as "TYPE name". */
  readonly queries: string[];
}

function dnsError(code: string, type: FakeDnsType, name: string): Error {
  return Object.assign(new Error(`query${type === "lookup" ? "" : type} ${code} ${name}`), {
    code,
    hostname: name,
  });
}

/** Waits `ms`; an abort rejects with ECANCELLED, like a cancelled c-ares query. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(dnsError("ECANCELLED", "lookup", ""));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(dnsError("ECANCELLED", "lookup", ""));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Builds a fake resolver over `options.zone`. */
export function createFakeDns(options: FakeDnsOptions): FakeDns {
  const queries: string[] = [];
  const zone = new Map(Object.entries(options.zone).map(([k, v]) => [k.toLowerCase(), v]));

  async function answer<T>(
    type: FakeDnsType,
    name: string,
    signal: AbortSignal | undefined,
    pick: (record: FakeDnsRecord) => T | undefined,
  ): Promise<T> {
    const key = name.toLowerCase().replace(/\.$/, "");
    queries.push(`${type} ${key}`);
    await pause(options.delayMs ?? 0, signal);
    const forced = options.failures?.[key]?.[type];
    if (forced !== undefined) throw dnsError(forced, type, key);
    let record = zone.get(key);
    if (record === undefined) throw dnsError("ENOTFOUND", type, key);
    // Follow CNAMEs (a few hops) for address queries, as a recursive resolver does.
    for (let hop = 0; type !== "CNAME" && record.cname !== undefined && hop < 8; hop++) {
      record = zone.get(record.cname.toLowerCase());
      if (record === undefined) throw dnsError("ENOTFOUND", type, key);
    }
    const found = pick(record);
    if (found === undefined) throw dnsError("ENODATA", type, key);
    return found;
  }

  const withTtl = (
    list: string[] | undefined,
    ttl: number | undefined,
  ): TtlAddress[] | undefined =>
    list?.length ? list.map((address) => ({ address, ttl: ttl ?? 300 })) : undefined;

  return {
    queries,
    lookup: (host, signal) =>
      answer("lookup", host, signal, (r) => {
        const all = [...(r.a ?? []), ...(r.aaaa ?? [])];
        return all.length > 0 ? all : undefined;
      }),
    resolve4: (host, signal) => answer("A", host, signal, (r) => withTtl(r.a, r.ttl)),
    resolve6: (host, signal) => answer("AAAA", host, signal, (r) => withTtl(r.aaaa, r.ttl)),
    resolveCname: (host, signal) =>
      answer("CNAME", host, signal, (r) => (r.cname ? [r.cname] : undefined)),
    resolveNs: (host, signal) =>
      answer("NS", host, signal, (r) => (r.ns?.length ? r.ns : undefined)),
    async reverse(address, signal) {
      queries.push(`PTR ${address}`);
      await pause(options.delayMs ?? 0, signal);
      const forced = options.failures?.[address]?.PTR;
      if (forced !== undefined) throw dnsError(forced, "PTR", address);
      const names = options.ptr?.[address];
      if (names === undefined || names.length === 0) throw dnsError("ENOTFOUND", "PTR", address);
      return names;
    },
  };
}
