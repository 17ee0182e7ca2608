/**
 * The bundled ASN CSVs streamed into a table (utils/geoip, a megabyte at a time, reserved and
 * sealed) answer like the whole text parsed at once (AsnTable.addCsv), on a seeded sample.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AsnTable } from "../../../src/utils/asn-table.js";
import { addCsvFile, bundledAsnSource, openAsnDatabase } from "../../../src/utils/geoip.js";

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

describe("addCsvFile", () => {
  it("loads every line whatever the chunk size (lines split across chunks, a last line without newline)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "asn-csv-"));
    const path = join(dir, "asn.csv");
    const text = [
      "16777216,16777471,13335,Cloudflare",
      '16777472,16778239,0,"Org, with ""quotes"""',
      "134744064,134744319,15169,Google LLC",
      "bad line",
      "3221225472,3221225727,64512,Ünïcödé Org",
    ].join("\n");
    writeFileSync(path, text);
    try {
      const whole = new AsnTable().addCsv(text, 4);
      for (const chunk of [1, 7, 64, 1 << 20]) {
        const table = new AsnTable();
        await addCsvFile(table, path, 4, chunk);
        table.seal();
        expect({ size: table.size, skipped: table.skipped }).toEqual({
          size: whole.size,
          skipped: 1,
        });
        for (const ip of ["1.0.0.1", "1.0.1.5", "8.8.8.8", "192.0.0.9"]) {
          expect(table.lookup(ip)).toEqual(whole.lookup(ip));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
