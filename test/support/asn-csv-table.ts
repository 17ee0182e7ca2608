/**
 * The ASN CSVs parsed whole into memory and searched by binary search: the monitor's answer
 * before the compact table (utils/asn-file.ts), kept as the tests' reference for it.
 */
import {
  type AsnMatch,
  type AsnRange,
  addressKey,
  asnMatch,
  eachLine,
  networkOf,
  parseV4Line,
  parseV6Line,
} from "../../src/utils/asn-csv.js";

/** Index of the last range starting at or below `key` that also ends at or above it, or -1. */
function find<V extends number | bigint>(ranges: readonly AsnRange<V>[], key: V): number {
  let lo = 0;
  let hi = ranges.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((ranges[mid] as AsnRange<V>).start <= key) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && key <= (ranges[found] as AsnRange<V>).end ? found : -1;
}

export class AsnCsvTable {
  readonly v4: AsnRange<number>[] = [];
  readonly v6: AsnRange<bigint>[] = [];
  /** Lines that did not parse. */
  skipped = 0;

  /** Adds the lines of an `asn-ipv4-num.csv` or `asn-ipv6-num.csv` text. */
  addCsv(text: string, family: 4 | 6): this {
    eachLine(text, (line) => {
      const range = family === 4 ? parseV4Line(line) : parseV6Line(line);
      if (range === null) this.skipped++;
      else if (typeof range.start === "number") this.v4.push(range as AsnRange<number>);
      else this.v6.push(range as AsnRange<bigint>);
    });
    return this;
  }

  get size(): { v4: number; v6: number } {
    return { v4: this.v4.length, v6: this.v6.length };
  }

  lookup(ip: string): AsnMatch | null {
    const key = addressKey(ip);
    if (key === null) return null;
    const ranges: readonly AsnRange<number | bigint>[] = "v4" in key ? this.v4 : this.v6;
    const value = "v4" in key ? key.v4 : key.v6;
    const i = find(ranges, value);
    const r = ranges[i];
    return r === undefined ? null : asnMatch(r.asn, r.org, networkOf(value, r.start, r.end));
  }
}
