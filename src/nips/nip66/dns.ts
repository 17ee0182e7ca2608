/**
 * NIP-66 dns check (clearnet host names only): A with its TTL and the query time, AAAA,
 * CNAME, NS of the registrable domain (public-suffix list through tldts), PTR of the first
 * address. Each record type fails on its own (noted in `errors`); "no such record" is not an
 * error. The check is an error only when the name has no address at all.
 */
import { getDomain } from "tldts";
import type { Network } from "../../models/network.js";
import { type RecordResolver, systemRecordResolver, type TtlAddress } from "../../utils/dns.js";
import { ConnectError, deadline } from "../../utils/transport.js";
import { type CheckResult, checkError, checkOk, checkSkipped } from "../check-result.js";
import { type RetryOptions, retryCheck } from "../check-retry.js";
import { clearnetOnly, relayTarget, since } from "./target.js";

export type DnsRecordType = "a" | "aaaa" | "cname" | "ns" | "ptr";

export interface Nip66Dns {
  ipv4: string[];
  ipv6: string[];
  /** Smallest TTL of the A answers (of AAAA when there is no A), seconds. */
  ttl?: number;
  /** Milliseconds the A query took. */
  queryMs: number;
  cname?: string;
  /** The registrable domain whose NS records are listed. */
  domain?: string;
  ns: string[];
  /** Reverse names of the first address. */
  ptr: string[];
  /** Record types whose query failed (not "no such record"), with the reason. */
  errors: Partial<Record<DnsRecordType, string>>;
}

export interface DnsOptions {
  network: Network;
  /** Default: the system's DNS servers, queried directly. */
  resolver?: RecordResolver;
  /** Budget of all queries together. */
  timeoutMs: number;
  signal?: AbortSignal;
  retry?: RetryOptions;
}

/** Codes that mean "the answer is: none" rather than "the query failed". */
const ABSENT = new Set(["ENODATA", "ENOTFOUND"]);

type Answer<T> = { ok: true; value: T; ms: number } | { ok: false; code: string; reason: string };

function codeOf(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
}

async function ask<T>(run: () => Promise<T>, signal: AbortSignal): Promise<Answer<T>> {
  const started = performance.now();
  try {
    return { ok: true, value: await run(), ms: since(started) };
  } catch (error) {
    if (signal.aborted) {
      const reason = signal.reason instanceof ConnectError ? signal.reason.reason : "aborted";
      return { ok: false, code: "ETIMEOUT", reason };
    }
    const code = codeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      code,
      reason: code && !message.includes(code) ? `${code}: ${message}` : message,
    };
  }
}

/** The value, or the fallback; a real failure is written to `errors[type]`. */
function take<T>(answer: Answer<T>, type: DnsRecordType, fallback: T, data: Nip66Dns): T {
  if (answer.ok) return answer.value;
  if (!ABSENT.has(answer.code)) data.errors[type] = answer.reason;
  return fallback;
}

const minTtl = (list: TtlAddress[]) =>
  list.length === 0 ? undefined : Math.min(...list.map((r) => r.ttl));

interface Answers {
  a: Answer<TtlAddress[]>;
  aaaa: Answer<TtlAddress[]>;
  cname: Answer<string[]>;
  ns: Answer<string[]>;
}

function queryAll(
  resolver: RecordResolver,
  host: string,
  domain: string | undefined,
  signal: AbortSignal,
) {
  const none: Answer<string[]> = { ok: true, value: [], ms: 0 };
  return Promise.all([
    ask(() => resolver.resolve4(host, signal), signal),
    ask(() => resolver.resolve6(host, signal), signal),
    ask(() => resolver.resolveCname(host, signal), signal),
    domain === undefined ? none : ask(() => resolver.resolveNs(domain, signal), signal),
  ]).then(([a, aaaa, cname, ns]): Answers => ({ a, aaaa, cname, ns }));
}

/** Why a name without addresses has none. */
function noAddress(host: string, { a, aaaa }: Answers): string {
  const detail = [a, aaaa].flatMap((x) => (x.ok || ABSENT.has(x.code) ? [] : [x.reason]));
  if (detail.length > 0) return `${host}: ${[...new Set(detail)].join("; ")}`;
  const missing = !a.ok && !aaaa.ok && a.code === "ENOTFOUND";
  return `${host}: ${missing ? "no such name" : "no A or AAAA record"}`;
}

/** The record fields from the answers (errors noted in `data.errors`). */
function assemble(answers: Answers, domain: string | undefined): Nip66Dns {
  const { a } = answers;
  const data: Nip66Dns = {
    ipv4: [],
    ipv6: [],
    queryMs: a.ok ? a.ms : 0,
    ns: [],
    ptr: [],
    errors: {},
  };
  const v4 = take(a, "a", [], data);
  const v6 = take(answers.aaaa, "aaaa", [], data);
  data.ipv4 = v4.map((r) => r.address);
  data.ipv6 = v6.map((r) => r.address);
  const ttl = minTtl(v4) ?? minTtl(v6);
  if (ttl !== undefined) data.ttl = ttl;
  const alias = take(answers.cname, "cname", [], data)[0];
  if (alias !== undefined) data.cname = alias;
  if (domain !== undefined) data.domain = domain;
  data.ns = [...take(answers.ns, "ns", [], data)].sort();
  return data;
}

async function dnsOnce(host: string, options: DnsOptions): Promise<CheckResult<Nip66Dns>> {
  const started = performance.now();
  const resolver = options.resolver ?? systemRecordResolver({ timeoutMs: options.timeoutMs });
  const limit = deadline(options.timeoutMs, options.signal, "DNS");
  const { signal } = limit;
  try {
    const domain = getDomain(host) ?? undefined;
    const answers = await queryAll(resolver, host, domain, signal);
    if (options.signal?.aborted) return checkSkipped("aborted");
    const data = assemble(answers, domain);
    const first = data.ipv4[0] ?? data.ipv6[0];
    if (first === undefined) return checkError(noAddress(host, answers), since(started));
    data.ptr = take(await ask(() => resolver.reverse(first, signal), signal), "ptr", [], data);
    if (options.signal?.aborted) return checkSkipped("aborted");
    return checkOk(data, since(started));
  } finally {
    limit.clear();
  }
}

/** Queries the DNS records of a clearnet relay's host name. Never throws. */
export async function checkDns(url: string, options: DnsOptions): Promise<CheckResult<Nip66Dns>> {
  const skip = clearnetOnly<Nip66Dns>("dns", options.network);
  if (skip) return skip;
  const target = relayTarget(url);
  if (typeof target === "string") return checkError(target, 0);
  if (target.ipFamily !== 0) return checkSkipped("host is an IP address (no DNS name)");
  return retryCheck(() => dnsOnce(target.host, options), {
    ...options.retry,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
