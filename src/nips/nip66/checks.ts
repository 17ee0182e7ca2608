/**
 * All NIP-66 checks of one relay, each switchable off: rtt first (alone, so no other
 * connection of ours competes with its timings), then ssl, dns, geo, net and http together
 * (http from rtt's upgrade when rtt opened).
 * A check set to `false` comes back "skipped: disabled"; ssl, dns, geo and net skip
 * themselves on overlay networks. NIP-11 is the caller's (its `min_pow_difficulty` is this
 * rtt's `powDifficulty`).
 */
import type { Network } from "../../models/network.js";
import type { RecordResolver, Resolver } from "../../utils/dns.js";
import type { AsnDatabase, GeoDatabase } from "../../utils/geoip.js";
import { type CheckResult, checkError, checkOk, checkSkipped } from "../check-result.js";
import type { RetryOptions } from "../check-retry.js";
import { checkDns, type Nip66Dns } from "./dns.js";
import { checkGeo, type Nip66Geo } from "./geo.js";
import { checkHttp, type HttpOptions, httpFromHeaders, type Nip66Http } from "./http.js";
import { checkNet, type Nip66Net } from "./net.js";
import { checkRtt, type Nip66Rtt, type RttOptions } from "./rtt.js";
import { checkSsl, type Nip66Ssl, type SslOptions } from "./ssl.js";

export const NIP66_CHECKS = ["rtt", "ssl", "dns", "geo", "net", "http"] as const;

export interface Nip66Results {
  rtt: CheckResult<Nip66Rtt>;
  ssl: CheckResult<Nip66Ssl>;
  dns: CheckResult<Nip66Dns>;
  geo: CheckResult<Nip66Geo>;
  net: CheckResult<Nip66Net>;
  http: CheckResult<Nip66Http>;
}

type Route = "network" | "proxyUrl" | "allowPrivate" | "resolver" | "timeoutMs" | "signal";

export interface Nip66CheckOptions {
  network: Network;
  proxyUrl?: string;
  allowPrivate?: boolean;
  allowInsecure?: boolean;
  /** Address lookups (connections, geo, net). */
  resolver?: Resolver;
  /** Record queries of the dns check. */
  records?: RecordResolver;
  /** Budget of each check (of each step, for rtt and ssl). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** `false` turns a check off; an object tunes it; absent runs it with defaults. */
  rtt?: false | Omit<RttOptions, Route | "allowInsecure">;
  ssl?: false | Omit<SslOptions, Route>;
  dns?: false | { retry?: RetryOptions };
  geo?: false | { db: GeoDatabase | null; geohashPrecision?: number; retry?: RetryOptions };
  net?: false | { db: AsnDatabase | null; retry?: RetryOptions };
  http?: false | Omit<HttpOptions, Route | "allowInsecure">;
}

const disabled = <T>(): Promise<CheckResult<T>> => Promise.resolve(checkSkipped<T>("disabled"));

function route(o: Nip66CheckOptions) {
  return {
    network: o.network,
    timeoutMs: o.timeoutMs,
    ...(o.proxyUrl === undefined ? {} : { proxyUrl: o.proxyUrl }),
    ...(o.allowPrivate === undefined ? {} : { allowPrivate: o.allowPrivate }),
    ...(o.resolver === undefined ? {} : { resolver: o.resolver }),
    ...(o.signal === undefined ? {} : { signal: o.signal }),
  };
}

/**
 * The http check: the headers of rtt's own upgrade when rtt opened (the same request a
 * second upgrade would make); rtt's failure when it could not open (an rtt error is always a
 * failed open, retried already: a second upgrade would fail the same way, and a dead relay
 * would pay for it again); a connection of its own only when rtt did not run.
 */
function httpCheck(
  url: string,
  rtt: CheckResult<Nip66Rtt>,
  options: false | HttpOptions,
): Promise<CheckResult<Nip66Http>> {
  if (options === false) return disabled<Nip66Http>();
  const headers = rtt.status === "ok" ? rtt.data.upgradeHeaders : undefined;
  if (headers !== undefined) return Promise.resolve(checkOk(httpFromHeaders(headers), 0));
  if (rtt.status === "error") return Promise.resolve(checkError<Nip66Http>(rtt.reason, 0));
  return checkHttp(url, options);
}

/** The rtt result as callers see it: the upgrade headers served the http check only. */
function withoutHeaders(rtt: CheckResult<Nip66Rtt>): CheckResult<Nip66Rtt> {
  if (rtt.status !== "ok" || rtt.data.upgradeHeaders === undefined) return rtt;
  const { upgradeHeaders: _headers, ...data } = rtt.data;
  return { ...rtt, data };
}

/** Runs the enabled checks on `url`. Never throws. */
export async function checkRelay(url: string, options: Nip66CheckOptions): Promise<Nip66Results> {
  const r = route(options);
  const insecure =
    options.allowInsecure === undefined ? {} : { allowInsecure: options.allowInsecure };
  const rtt = await (options.rtt === false
    ? disabled<Nip66Rtt>()
    : checkRtt(url, { ...r, ...insecure, ...options.rtt }));
  const { resolver: _lookup, ...dnsRoute } = r;
  const records = options.records === undefined ? {} : { resolver: options.records };
  const { geo, net } = options;
  const [ssl, dns, geoResult, netResult, http] = await Promise.all([
    options.ssl === false ? disabled<Nip66Ssl>() : checkSsl(url, { ...r, ...options.ssl }),
    options.dns === false
      ? disabled<Nip66Dns>()
      : checkDns(url, { ...dnsRoute, ...options.dns, ...records }),
    geo === false ? disabled<Nip66Geo>() : checkGeo(url, { ...r, db: null, ...geo }),
    net === false ? disabled<Nip66Net>() : checkNet(url, { ...r, db: null, ...net }),
    httpCheck(url, rtt, options.http === false ? false : { ...r, ...insecure, ...options.http }),
  ]);
  return { rtt: withoutHeaders(rtt), ssl, dns, geo: geoResult, net: netResult, http };
}
