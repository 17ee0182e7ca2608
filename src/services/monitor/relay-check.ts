/**
 * One relay's run: NIP-11 first (its `min_pow_difficulty` sets the write probe's proof of
 * work), then the NIP-66 checks (nips/nip66/checks.ts: rtt alone, then the others together),
 * each retried per monitor.yaml. Never throws: a relay that is down or hostile comes back as
 * results with reasons; only the shutdown signal ends it early (results "skipped").
 */

import { proxyOf } from "../../core/config/proxy.js";
import type { NetworkConfig } from "../../core/config/schemas.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import type { Network } from "../../models/index.js";
import { type CheckResult, checkError, checkSkipped } from "../../nips/check-result.js";
import { type RetryOptions, retryCheck } from "../../nips/check-retry.js";
import { fetchNip11, type Nip11Document } from "../../nips/nip11/index.js";
import { checkRelay, type Nip66CheckOptions } from "../../nips/nip66/checks.js";
import type { RecordResolver, Resolver } from "../../utils/dns.js";
import type { AsnDatabase, GeoDatabase } from "../../utils/geoip.js";
import type { CheckRetry, MonitorProcessing } from "./config.js";
import type { RelayResults } from "./documents.js";
import type { GeoData } from "./geo-data.js";

/** What every relay's run shares: settings, key, databases, resolvers. */
export interface CheckRuntime {
  processing: MonitorProcessing;
  networks: Readonly<Record<Network, NetworkConfig>>;
  allowPrivate: boolean;
  secretKey?: Uint8Array;
  geo: GeoDatabase | null;
  asn: AsnDatabase | null;
  resolver?: Resolver;
  records?: RecordResolver;
  /** Trusted CAs of the ssl check's verifying connection (tests, private PKI). */
  ca?: string | string[];
}

/** The check runtime of a monitor: its settings, key, resolvers and geo databases. */
export function buildCheckRuntime(
  deps: ServiceDeps,
  processing: MonitorProcessing,
  options: CheckRuntimeOptions,
  geo: GeoData | undefined,
): CheckRuntime {
  return {
    processing,
    networks: deps.brotr.networks,
    allowPrivate: deps.brotr.allow_private,
    geo: geo?.city ?? null,
    asn: geo?.asn ?? null,
    ...(deps.secretKey ? { secretKey: deps.secretKey } : {}),
    ...(options.resolver ? { resolver: options.resolver } : {}),
    ...(options.records ? { records: options.records } : {}),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  };
}

/** The monitor options a check runtime takes (service.ts MonitorOptions). */
interface CheckRuntimeOptions {
  resolver?: Resolver;
  records?: RecordResolver;
  ca?: string | string[];
}

export function retryOf(r: CheckRetry): RetryOptions {
  return {
    retries: r.retries,
    initialDelayMs: r.initial_delay * 1000,
    maxDelayMs: r.max_delay * 1000,
    jitterMs: r.jitter * 1000,
  };
}

function route(rt: CheckRuntime, network: Network, signal: AbortSignal) {
  return {
    network,
    allowPrivate: rt.allowPrivate,
    signal,
    ...proxyOf(rt.networks, network),
    ...(rt.resolver ? { resolver: rt.resolver } : {}),
  };
}

async function nip11Of(
  rt: CheckRuntime,
  url: string,
  network: Network,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<CheckResult<Nip11Document>> {
  const c = rt.processing.checks.nip11;
  if (!c.enabled) return checkSkipped("disabled");
  const fetchOnce = async (): Promise<CheckResult<Nip11Document>> => {
    try {
      return await fetchNip11(url, {
        ...route(rt, network, signal),
        timeoutMs,
        maxBytes: rt.processing.nip11_max_bytes,
        allowInsecure: rt.processing.allow_insecure,
      });
    } catch (error) {
      // fetchNip11 throws only when aborted.
      return signal.aborted ? checkSkipped("aborted") : checkError(String(error), 0);
    }
  };
  // A relay that let the GET time out or refused the connection is not asked again: a mute
  // relay costs one timeout, a dead one no retry delays.
  return retryCheck(fetchOnce, { ...retryOf(c.retry), signal, isFinal: unreachable });
}

const unreachable = (reason: string) =>
  reason.startsWith("timeout:") || reason.startsWith("refused:");

function nip66Options(
  rt: CheckRuntime,
  network: Network,
  timeoutMs: number,
  signal: AbortSignal,
  nip11: CheckResult<Nip11Document>,
): Nip66CheckOptions {
  const { checks } = rt.processing;
  const pow = nip11.status === "ok" ? nip11.data.limitation?.min_pow_difficulty : undefined;
  const rtt = checks.rtt;
  return {
    ...route(rt, network, signal),
    timeoutMs,
    allowInsecure: rt.processing.allow_insecure,
    ...(rt.records ? { records: rt.records } : {}),
    rtt: rtt.enabled && {
      retry: retryOf(rtt.retry),
      write: rtt.write,
      kind: rtt.write_kind,
      maxPowDifficulty: rtt.max_pow_difficulty,
      ...(pow ? { powDifficulty: pow } : {}),
      ...(rt.secretKey ? { secretKey: rt.secretKey } : {}),
    },
    ssl: checks.ssl.enabled && {
      retry: retryOf(checks.ssl.retry),
      ...(rt.ca === undefined ? {} : { ca: rt.ca }),
    },
    dns: checks.dns.enabled && { retry: retryOf(checks.dns.retry) },
    geo: checks.geo.enabled && {
      db: rt.geo,
      geohashPrecision: rt.processing.geo.geohash_precision,
      retry: retryOf(checks.geo.retry),
    },
    net: checks.net.enabled && { db: rt.asn, retry: retryOf(checks.net.retry) },
    http: checks.http.enabled && { retry: retryOf(checks.http.retry) },
  };
}

/** Runs every enabled check of one relay within its network's timeout per step. */
export async function checkOneRelay(
  rt: CheckRuntime,
  url: string,
  network: Network,
  signal: AbortSignal,
): Promise<RelayResults> {
  const timeoutMs = Math.round(rt.networks[network].timeout * 1000);
  const nip11 = await nip11Of(rt, url, network, timeoutMs, signal);
  const nip66 = await checkRelay(url, nip66Options(rt, network, timeoutMs, signal, nip11));
  return { nip11, ...nip66 };
}
