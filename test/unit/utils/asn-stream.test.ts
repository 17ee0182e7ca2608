/**
 * The bundled ASN CSVs streamed into a table (utils/geoip, a megabyte at a time, reserved and
 * sealed) answer like the whole text parsed at once (AsnTable.addCsv), on a seeded sample.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AsnTable } from "../../../src/utils/asn-table.js";
import { bundledAsnSource, openAsnDatabase } from "../../../src/utils/geoip.js";

const source = bundledAsnSource();
const csv = source && "csv4" in source ? source : null;

describe.skipIf(csv === null)("the streamed ASN table", () => {
  it("finds what the table parsed from the whole text finds", async () => {
    const whole = new AsnTable().addCsv(readFileSync(csv?.csv4 ?? "", "utf8"), 4);
    if (csv?.csv6) whole.addCsv(readFileSync(csv.csv6, "utf8"), 6);
    const streamed = await openAsnDatabase(csv ?? { csv4: "" });
    let s = 7;
    const next = () => {
      s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
      return s;
    };
    const v4 = Array.from({ length: 3000 }, () =>
      [24, 16, 8, 0].map((b) => (next() >>> b) & 255).join("."),
    );
    const v6 = Array.from(
      { length: 500 },
      () => `2a0${next() % 10}:${(next() % 0xffff).toString(16)}::1`,
    );
    const ips = [...v4, ...v6, "8.8.8.8", "2001:4860::1"];
    const differ = ips.filter(
      (ip) => JSON.stringify(streamed.asn(ip)) !== JSON.stringify(whole.lookup(ip)),
    );
    expect(differ).toEqual([]);
    expect(ips.filter((ip) => whole.lookup(ip) !== null).length).toBeGreaterThan(1000);
  }, 120_000);
});
