/**
 * The bundled ASN CSVs through their compact table (utils/asn-file.ts) answer like the CSVs
 * parsed whole (test/support/asn-csv-table.ts): thousands of seeded random IPv4 and IPv6
 * addresses, and the first, last and next-after-last address of random ranges (so every block
 * boundary of the on-disk search is crossed).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatIpv4, formatIpv6 } from "../../../src/models/ip-range.js";
import type { AsnRange } from "../../../src/utils/asn-csv.js";
import { bundledAsnSource, openAsnDatabase } from "../../../src/utils/geoip.js";
import { AsnCsvTable } from "../../support/asn-csv-table.js";

const source = bundledAsnSource();
const csv = source && "csv4" in source ? source : null;
const dir = mkdtempSync(join(tmpdir(), "asn-bundled-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function seeded(seed: number) {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    return s;
  };
}

const v6Text = (value: bigint) =>
  formatIpv6(
    Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn)),
  );

/** The first, last and next address of `count` ranges picked at random. */
function edges<V extends number | bigint>(
  ranges: readonly AsnRange<V>[],
  count: number,
  next: () => number,
  text: (v: V) => string,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < count && ranges.length > 0; i++) {
    const r = ranges[next() % ranges.length] as AsnRange<V>;
    out.push(text(r.start), text(r.end));
    const after = (typeof r.end === "number" ? r.end + 1 : (r.end as bigint) + 1n) as V;
    if (typeof after === "number" ? after < 2 ** 32 : after < 1n << 128n) out.push(text(after));
  }
  return out;
}

describe.skipIf(csv === null)("the bundled ASN data's compact table", () => {
  it("finds what the CSVs parsed whole find", async () => {
    if (csv === null) return;
    const whole = new AsnCsvTable().addCsv(readFileSync(csv.csv4, "utf8"), 4);
    if (csv.csv6) whole.addCsv(readFileSync(csv.csv6, "utf8"), 6);
    const compact = await openAsnDatabase(csv, join(dir, "asn.bin"));
    const next = seeded(7);
    const v4 = Array.from({ length: 5000 }, () => formatIpv4(next()));
    // IPv6: random addresses in 2a00::/12 (dense with ranges), and inside random ranges.
    const v6 = Array.from({ length: 3000 }, (_, i) => {
      const r = whole.v6[next() % whole.v6.length];
      const random = (BigInt(next()) << 96n) | (BigInt(next()) << 64n) | BigInt(next());
      if (i % 2 === 0 || r === undefined)
        return `2a0${next() % 10}:${(next() % 0xffff).toString(16)}::${(next() % 0xffff).toString(16)}`;
      return v6Text(r.start + (random % (r.end - r.start + 1n)));
    });
    const ips = [
      ...v4,
      ...v6,
      ...edges(whole.v4, 1000, next, formatIpv4),
      ...edges(whole.v6, 1000, next, v6Text),
      "8.8.8.8",
      "2001:4860::1",
      "::ffff:1.1.1.1",
      "0.0.0.0",
      "255.255.255.255",
      "::",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ];
    const differ = ips.filter(
      (ip) => JSON.stringify(compact.asn(ip)) !== JSON.stringify(whole.lookup(ip)),
    );
    expect(differ).toEqual([]);
    const found = (list: string[]) => list.filter((ip) => whole.lookup(ip) !== null).length;
    expect(found(v4)).toBeGreaterThan(2500);
    expect(found(v6)).toBeGreaterThan(1500);
    expect(compact.description).toMatch(/built now \(missing\)/);
  }, 120_000);
});
