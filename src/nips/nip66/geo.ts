/**
 * NIP-66 geo check (clearnet only): the relay's address (IPv4 preferred) looked up in an
 * offline City database (DB-IP Lite from npm, or an operator's GeoLite2-City), with a
 * NIP-52 geohash of its coordinates. The lookup itself (`lookupGeo`) is a local file read.
 */
import ngeohash from "ngeohash";
import type { Network } from "../../models/network.js";
import type { Resolver } from "../../utils/dns.js";
import type { GeoDatabase, GeoRecord } from "../../utils/geoip.js";
import { type CheckResult, checkError, checkOk, checkSkipped } from "../check-result.js";
import { type RetryOptions, retryCheck } from "../check-retry.js";
import { hostAddresses } from "./addresses.js";
import { clearnetOnly, relayTarget, since } from "./target.js";

export interface Nip66Geo extends GeoRecord {
  /** The address that was looked up. */
  ip: string;
  /** NIP-52 geohash of lat/lon. */
  geohash?: string;
}

export const DEFAULT_GEOHASH_PRECISION = 9;

/** Coordinates to 4 decimals (about 10 m; the databases are city-level anyway). */
const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** The location of `ip` in `db`, or null when the database has none. */
export function lookupGeo(
  db: GeoDatabase,
  ip: string,
  precision = DEFAULT_GEOHASH_PRECISION,
): Nip66Geo | null {
  const record = db.city(ip);
  if (record === null || Object.keys(record).length === 0) return null;
  const out: Nip66Geo = { ip, ...record };
  if (record.lat !== undefined && record.lon !== undefined) {
    out.lat = round(record.lat);
    out.lon = round(record.lon);
    out.geohash = ngeohash.encode(record.lat, record.lon, precision);
  }
  return out;
}

export interface GeoOptions {
  network: Network;
  /** null: no database configured (the check is skipped). */
  db: GeoDatabase | null;
  /** Resolves the host (default: the system resolver). */
  resolver?: Resolver;
  timeoutMs: number;
  signal?: AbortSignal;
  /** 1–12; default 9. */
  geohashPrecision?: number;
  retry?: RetryOptions;
}

async function geoOnce(url: string, db: GeoDatabase, options: GeoOptions) {
  const started = performance.now();
  const target = relayTarget(url);
  if (typeof target === "string") return checkError<Nip66Geo>(target, 0);
  const addresses = await hostAddresses(target, options);
  if (options.signal?.aborted) return checkSkipped<Nip66Geo>("aborted");
  if (typeof addresses === "string") return checkError<Nip66Geo>(addresses, since(started));
  const candidates = [addresses.ipv4, addresses.ipv6].filter((a) => a !== undefined);
  try {
    for (const ip of candidates) {
      const found = lookupGeo(db, ip, options.geohashPrecision);
      if (found !== null) return checkOk(found, since(started));
    }
  } catch (error) {
    return checkError<Nip66Geo>(`database lookup failed: ${String(error)}`, since(started));
  }
  return checkError<Nip66Geo>(`no location for ${candidates.join(" or ")}`, since(started));
}

/** Locates a clearnet relay's address. Never throws. */
export async function checkGeo(url: string, options: GeoOptions): Promise<CheckResult<Nip66Geo>> {
  const skip = clearnetOnly<Nip66Geo>("geo", options.network);
  if (skip) return skip;
  const { db } = options;
  if (db === null) return checkSkipped("no City database configured");
  return retryCheck(() => geoOnce(url, db, options), {
    ...options.retry,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
