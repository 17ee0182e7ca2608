/**
 * An IP → ASN table from the ip-location-db "-num" CSVs (`start,end,asn,org`, inclusive
 * numeric ranges, sorted by start), held in typed arrays with organisations de-duplicated,
 * and searched by binary search. IPv4 ranges are numbers; IPv6 ranges are 128-bit values
 * kept as two 64-bit halves. Pure: parsing a string, no file access.
 */
import { isIP } from "node:net";
import { formatIpv4, formatIpv6, mappedIpv4, parseIpv4, parseIpv6 } from "../models/ip-range.js";

export interface AsnMatch {
  asn: number;
  org?: string;
  /** The largest CIDR block around the address that lies inside its range. */
  network: string;
}

interface Column {
  asn: Uint32Array;
  org: Uint32Array;
}

const MASK64 = (1n << 64n) - 1n;

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

function eachLine(text: string, visit: (line: string) => void): void {
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    if (end > at) visit(text.slice(at, end));
    at = end + 1;
  }
}

class Orgs {
  readonly names: string[] = [""];
  #index = new Map<string, number>([["", 0]]);
  /** Drops the loading index (names added later may then repeat; lookups are unaffected). */
  forget(): void {
    this.#index = new Map([["", 0]]);
  }
  id(name: string): number {
    let id = this.#index.get(name);
    if (id === undefined) {
      id = this.names.length;
      // A copy of its own: a slice would keep the whole CSV text alive (tens of MB).
      const own = Buffer.from(name, "utf8").toString("utf8");
      this.names.push(own);
      this.#index.set(own, id);
    }
    return id;
  }
}

function grow<T extends Uint32Array | BigUint64Array>(
  array: T,
  make: (n: number) => T,
  need: number,
): T {
  if (need <= array.length) return array;
  const next = make(Math.max(need, array.length * 2));
  next.set(array as never);
  return next;
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

/** The IPv4 ranges of a table. */
class V4Ranges {
  start = new Uint32Array(1024);
  end = new Uint32Array(1024);
  size = 0;
  push(start: number, end: number): void {
    this.start = grow(this.start, (n) => new Uint32Array(n), this.size + 1);
    this.end = grow(this.end, (n) => new Uint32Array(n), this.size + 1);
    this.start[this.size] = start;
    this.end[this.size] = end;
    this.size++;
  }
  trim(): void {
    this.start = this.start.slice(0, this.size);
    this.end = this.end.slice(0, this.size);
  }
  /** Index of the range holding `ip`, or -1. */
  find(ip: number): number {
    let lo = 0;
    let hi = this.size - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.start[mid] ?? 0) <= ip) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && ip <= (this.end[found] ?? -1) ? found : -1;
  }
}

/** The IPv6 ranges of a table (values as bigint halves). */
class V6Ranges {
  hi = new BigUint64Array(1024);
  lo = new BigUint64Array(1024);
  endHi = new BigUint64Array(1024);
  endLo = new BigUint64Array(1024);
  size = 0;
  push(start: bigint, end: bigint): void {
    const make = (n: number) => new BigUint64Array(n);
    this.hi = grow(this.hi, make, this.size + 1);
    this.lo = grow(this.lo, make, this.size + 1);
    this.endHi = grow(this.endHi, make, this.size + 1);
    this.endLo = grow(this.endLo, make, this.size + 1);
    this.hi[this.size] = start >> 64n;
    this.lo[this.size] = start & MASK64;
    this.endHi[this.size] = end >> 64n;
    this.endLo[this.size] = end & MASK64;
    this.size++;
  }
  trim(): void {
    this.hi = this.hi.slice(0, this.size);
    this.lo = this.lo.slice(0, this.size);
    this.endHi = this.endHi.slice(0, this.size);
    this.endLo = this.endLo.slice(0, this.size);
  }
  startAt(i: number): bigint {
    return ((this.hi[i] ?? 0n) << 64n) | (this.lo[i] ?? 0n);
  }
  endAt(i: number): bigint {
    return ((this.endHi[i] ?? 0n) << 64n) | (this.endLo[i] ?? 0n);
  }
  find(ip: bigint): number {
    let lo = 0;
    let hi = this.size - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.startAt(mid) <= ip) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && ip <= this.endAt(found) ? found : -1;
  }
}

function trimColumn(cols: Column, size: number): Column {
  return { asn: cols.asn.slice(0, size), org: cols.org.slice(0, size) };
}

/** IP → ASN lookups over the loaded ranges. */
export class AsnTable {
  readonly #orgs = new Orgs();
  readonly #v4 = new V4Ranges();
  readonly #v6 = new V6Ranges();
  #v4Cols: Column = { asn: new Uint32Array(1024), org: new Uint32Array(1024) };
  #v6Cols: Column = { asn: new Uint32Array(1024), org: new Uint32Array(1024) };
  /** Lines that did not parse. */
  skipped = 0;

  /** Makes room for `rows` more ranges of `family` at once (no doubling while loading). */
  reserve(family: 4 | 6, rows: number): this {
    const u32 = (n: number) => new Uint32Array(n);
    const u64 = (n: number) => new BigUint64Array(n);
    const cols = family === 4 ? this.#v4Cols : this.#v6Cols;
    const need = (family === 4 ? this.#v4.size : this.#v6.size) + rows;
    const grown = { asn: grow(cols.asn, u32, need), org: grow(cols.org, u32, need) };
    if (family === 4) {
      this.#v4Cols = grown;
      this.#v4.start = grow(this.#v4.start, u32, need);
      this.#v4.end = grow(this.#v4.end, u32, need);
    } else {
      this.#v6Cols = grown;
      for (const k of ["hi", "lo", "endHi", "endLo"] as const)
        this.#v6[k] = grow(this.#v6[k], u64, need);
    }
    return this;
  }

  /** Trims the columns to their rows (they grow by doubling while loading). */
  seal(): this {
    this.#v4.trim();
    this.#v6.trim();
    this.#orgs.forget();
    this.#v4Cols = trimColumn(this.#v4Cols, this.#v4.size);
    this.#v6Cols = trimColumn(this.#v6Cols, this.#v6.size);
    return this;
  }

  get size(): { v4: number; v6: number } {
    return { v4: this.#v4.size, v6: this.#v6.size };
  }

  #column(cols: Column, index: number, asn: number, org: string): Column {
    const make = (n: number) => new Uint32Array(n);
    const next = { asn: grow(cols.asn, make, index + 1), org: grow(cols.org, make, index + 1) };
    next.asn[index] = asn;
    next.org[index] = this.#orgs.id(org);
    return next;
  }

  /** Adds the lines of an `asn-ipv4-num.csv` or `asn-ipv6-num.csv` text. */
  addCsv(text: string, family: 4 | 6): this {
    eachLine(text, (line) => {
      const parts = fields(line);
      const asn = parts ? Number(parts[2]) : Number.NaN;
      if (parts === null || !Number.isInteger(asn) || !/^\d+$/.test(parts[0] + parts[1])) {
        this.skipped++;
        return;
      }
      const org = orgField(parts[3]);
      if (family === 4) {
        this.#v4Cols = this.#column(this.#v4Cols, this.#v4.size, asn, org);
        this.#v4.push(Number(parts[0]), Number(parts[1]));
      } else {
        this.#v6Cols = this.#column(this.#v6Cols, this.#v6.size, asn, org);
        this.#v6.push(BigInt(parts[0]), BigInt(parts[1]));
      }
    });
    return this;
  }

  #match(cols: Column, i: number, network: string): AsnMatch {
    const org = this.#orgs.names[cols.org[i] ?? 0] ?? "";
    return { asn: cols.asn[i] ?? 0, ...(org === "" ? {} : { org }), network };
  }

  /** The ASN holding `ip` (IPv4, IPv6 or v4-mapped IPv6), or null. */
  lookup(ip: string): AsnMatch | null {
    const family = isIP(ip);
    const groups = family === 6 ? parseIpv6(ip) : null;
    const v4 = family === 4 ? parseIpv4(ip) : groups ? mappedIpv4(groups) : null;
    if (v4 !== null) {
      const i = this.#v4.find(v4);
      if (i < 0) return null;
      const [start, end] = [BigInt(this.#v4.start[i] ?? 0), BigInt(this.#v4.end[i] ?? 0)];
      const p = fittingPrefix(BigInt(v4), start, end, 32);
      const base = (BigInt(v4) >> BigInt(32 - p)) << BigInt(32 - p);
      return this.#match(this.#v4Cols, i, `${formatIpv4(Number(base))}/${p}`);
    }
    if (groups === null) return null;
    const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
    const i = this.#v6.find(value);
    if (i < 0) return null;
    const p = fittingPrefix(value, this.#v6.startAt(i), this.#v6.endAt(i), 128);
    const base = (value >> BigInt(128 - p)) << BigInt(128 - p);
    return this.#match(this.#v6Cols, i, `${formatV6(base)}/${p}`);
  }
}
