/**
 * The ip-location-db ASN "-num" CSVs (`start,end,asn,org`: inclusive numeric ranges sorted by
 * start; IPv6 values are 128-bit integers) line by line, and the answer for one address in a
 * range: its ASN, organisation and the largest CIDR block around it inside the range. Pure;
 * utils/asn-file-build.ts writes the compact table from these lines, utils/asn-file.ts reads it.
 */
import { isIP } from "node:net";
import { formatIpv4, formatIpv6, mappedIpv4, parseIpv4, parseIpv6 } from "../models/ip-range.js";

export interface AsnMatch {
  asn: number;
  org?: string;
  /** The largest CIDR block around the address that lies inside its range. */
  network: string;
}

/** One range of a CSV: v4 bounds are numbers (uint32), v6 bounds bigints (uint128). */
export interface AsnRange<V extends number | bigint> {
  start: V;
  end: V;
  asn: number;
  org: string;
}

/** The organisation field: the rest of the line, CSV-unquoted. */
function orgField(rest: string): string {
  const text = rest.endsWith("\r") ? rest.slice(0, -1) : rest;
  if (!text.startsWith('"')) return text;
  return text.slice(1, text.endsWith('"') ? -1 : undefined).replaceAll('""', '"');
}

/** Splits `start,end,asn,org…` (org may hold commas). */
function fields(line: string): [string, string, string, string] | null {
  const a = line.indexOf(",");
  const b = line.indexOf(",", a + 1);
  const c = line.indexOf(",", b + 1);
  if (a < 0 || b < 0 || c < 0) return null;
  return [line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1, c), line.slice(c + 1)];
}

/** Calls `visit` with each non-empty line of `text` (without its "\n"). */
export function eachLine(text: string, visit: (line: string) => void): void {
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    if (end > at) visit(text.slice(at, end));
    at = end + 1;
  }
}

const U128 = (1n << 128n) - 1n;

/** One line of an IPv4 CSV, or null when it does not parse (bounds taken modulo 2^32). */
export function parseV4Line(line: string): AsnRange<number> | null {
  const parts = fields(line);
  const asn = parts ? Number(parts[2]) : Number.NaN;
  if (parts === null || !Number.isInteger(asn) || !/^\d+$/.test(parts[0] + parts[1])) return null;
  const org = orgField(parts[3]);
  return { start: Number(parts[0]) >>> 0, end: Number(parts[1]) >>> 0, asn: asn >>> 0, org };
}

/** One line of an IPv6 CSV, or null when it does not parse (bounds taken modulo 2^128). */
export function parseV6Line(line: string): AsnRange<bigint> | null {
  const parts = fields(line);
  const asn = parts ? Number(parts[2]) : Number.NaN;
  if (parts === null || !Number.isInteger(asn) || !/^\d+$/.test(parts[0] + parts[1])) return null;
  const org = orgField(parts[3]);
  return { start: BigInt(parts[0]) & U128, end: BigInt(parts[1]) & U128, asn: asn >>> 0, org };
}

/** An address as the value its CSV ranges hold (v4-mapped IPv6 as IPv4), or null. */
export function addressKey(ip: string): { v4: number } | { v6: bigint } | null {
  const family = isIP(ip);
  const groups = family === 6 ? parseIpv6(ip) : null;
  const v4 = family === 4 ? parseIpv4(ip) : groups ? mappedIpv4(groups) : null;
  if (v4 !== null) return { v4 };
  if (groups === null) return null;
  return { v6: groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

/** Largest prefix p such that the /p block around `ip` lies within [start, end]. */
function fittingPrefix(ip: bigint, start: bigint, end: bigint, bits: number): number {
  for (let p = 0; p <= bits; p++) {
    const hostBits = BigInt(bits - p);
    const low = (ip >> hostBits) << hostBits;
    const high = low | ((1n << hostBits) - 1n);
    if (low >= start && high <= end) return p;
  }
  return bits;
}

function formatV6(value: bigint): string {
  return formatIpv6(
    Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn)),
  );
}

/** The largest CIDR block around `ip` inside its range, as text. */
export function networkOf(ip: number | bigint, start: number | bigint, end: number | bigint) {
  const bits = typeof ip === "number" ? 32 : 128;
  const value = BigInt(ip);
  const p = fittingPrefix(value, BigInt(start), BigInt(end), bits);
  const base = (value >> BigInt(bits - p)) << BigInt(bits - p);
  return `${bits === 32 ? formatIpv4(Number(base)) : formatV6(base)}/${p}`;
}

/** The answer for an address found in a range: the organisation left out when empty. */
export function asnMatch(asn: number, org: string, network: string): AsnMatch {
  return { asn, ...(org === "" ? {} : { org }), network };
}
