/**
 * The compact ASN table (utils/asn-file.ts, built by utils/asn-file-build.ts) on small CSVs:
 * the same answers as the CSV parsed whole (test/support/asn-csv-table.ts), a corrupt or
 * truncated file refused with a clear error, and a stale or corrupt table rebuilt by
 * openAsnTable.
 */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AsnFile } from "../../../src/utils/asn-file.js";
import { buildAsnFile } from "../../../src/utils/asn-file-build.js";
import { openAsnTable } from "../../../src/utils/geoip.js";
import { AsnCsvTable } from "../../support/asn-csv-table.js";

/** Lines in the ip-location-db "-num" format: start,end,asn,org (inclusive, sorted). */
const V4 = [
  '16777216,16777471,13335,"Cloudflare, Inc."', // 1.0.0.0 - 1.0.0.255
  "134744064,134744319,15169,Google LLC", // 8.8.8.0 - 8.8.8.255
  "1608515584,1608646655,24940,Hetzner Online GmbH", // 95.224.0.0 - 95.225.255.255
  '35309568,35313663,201907,"LLC ""SPUTNIK"""', // 2.26.200.0 - 2.26.215.255 (sorted below)
  "3221225985,3221226240,64500,", // 192.0.2.1 - 192.0.3.0 (not CIDR-aligned, no org)
  "not,a,line",
  "",
].join("\r\n");

const V6 = [
  "42541956101370907050197289607612071936,42541956180599069564461627201156022271,15169,Google LLC", // 2001:4860::/32
  "55832868898047719633825846016008519680,55832869056504044662354521203096420351,24940,Hetzner Online GmbH", // 2a01:4f8::/31
].join("\n");

const SORTED_V4 = `${V4.split("\r\n")
  .filter((l) => /^\d/.test(l))
  .sort((a, b) => Number(a.split(",")[0]) - Number(b.split(",")[0]))
  .join("\r\n")}\r\nnot,a,line\r\n`;

const dir = mkdtempSync(join(tmpdir(), "asn-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const source = { csv4: join(dir, "v4.csv"), csv6: join(dir, "v6.csv") };
writeFileSync(source.csv4, SORTED_V4);
writeFileSync(source.csv6, V6);
const built = await buildAsnFile(source, join(dir, "table.bin"));
const compact = new AsnFile(join(dir, "table.bin"));
const reference = new AsnCsvTable().addCsv(SORTED_V4, 4).addCsv(V6, 6);
const KINDS = [
  ["the CSV parsed whole", reference],
  ["the compact table", compact],
] as const;

describe.each(KINDS)("%s", (_kind, table) => {
  it("finds the range holding an IPv4 address, with its largest CIDR block", () => {
    const t = table;
    expect(t.lookup("8.8.8.8")).toEqual({ asn: 15169, org: "Google LLC", network: "8.8.8.0/24" });
    expect(t.lookup("1.0.0.0")).toEqual({
      asn: 13335,
      org: "Cloudflare, Inc.",
      network: "1.0.0.0/24",
    });
    expect(t.lookup("1.0.0.255")).toMatchObject({ asn: 13335 });
    expect(t.lookup("95.225.1.2")).toMatchObject({ asn: 24940, network: "95.224.0.0/15" });
  });

  it("unquotes organisations (doubled quotes inside) and omits an empty one", () => {
    const t = table;
    expect(t.lookup("2.26.200.9")).toMatchObject({ asn: 201907, org: 'LLC "SPUTNIK"' });
    expect(t.lookup("192.0.2.1")).toEqual({ asn: 64500, network: "192.0.2.1/32" });
    expect(t.lookup("192.0.2.200")).toEqual({ asn: 64500, network: "192.0.2.128/25" });
    expect(t.lookup("192.0.3.0")).toEqual({ asn: 64500, network: "192.0.3.0/32" });
  });

  it("misses between ranges, before the first and after the last", () => {
    const t = table;
    expect(t.lookup("1.0.1.0")).toBeNull();
    expect(t.lookup("0.0.0.1")).toBeNull();
    expect(t.lookup("223.255.255.255")).toBeNull();
    expect(t.lookup("8.8.7.255")).toBeNull();
  });

  it("IPv6 ranges as 128-bit values; v4-mapped IPv6 uses the IPv4 table", () => {
    const t = table;
    expect(t.lookup("2001:4860:4860::8888")).toEqual({
      asn: 15169,
      org: "Google LLC",
      network: "2001:4860::/32",
    });
    expect(t.lookup("2a01:4f9:c010::1")).toMatchObject({ asn: 24940, network: "2a01:4f8::/31" });
    expect(t.lookup("2a01:4fa::1")).toBeNull();
    expect(t.lookup("::ffff:8.8.8.8")).toMatchObject({ asn: 15169, network: "8.8.8.0/24" });
  });

  it("counts what it loaded and skipped; junk input is not an address", () => {
    const t = table;
    expect(t.size).toEqual({ v4: 5, v6: 2 });
    expect(t.lookup("relay.example.com")).toBeNull();
    expect(t.lookup("")).toBeNull();
  });
});

it("the build counts what it wrote and skipped", () => {
  expect(built).toEqual({ v4: 5, v6: 2, names: 5, skipped: 1 });
  expect(reference.skipped).toBe(1);
});

/** A copy of the built table with `change` applied to its bytes. */
function spoiled(name: string, change: (bytes: Buffer) => Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, change(Buffer.from(readFileSync(join(dir, "table.bin")))));
  return path;
}

describe("a corrupt table", () => {
  it("is refused with a clear error: a changed byte, a cut file, not a table at all", () => {
    const flipped = spoiled("flipped.bin", (b) => {
      b[b.length - 3] = (b[b.length - 3] ?? 0) ^ 0xff;
      return b;
    });
    expect(() => new AsnFile(flipped)).toThrow(
      `${flipped} is corrupt: its content does not match its SHA-256`,
    );
    const cut = spoiled("cut.bin", (b) => b.subarray(0, b.length - 10));
    expect(() => new AsnFile(cut)).toThrow(/cut\.bin is corrupt: \d+ bytes, its header says \d+/);
    const csv = spoiled("csv.bin", () => Buffer.from(SORTED_V4));
    expect(() => new AsnFile(csv)).toThrow(`${csv} is not a compact ASN table`);
  });

  it("openAsnTable builds it again (and a table whose CSVs changed)", async () => {
    const path = spoiled("reopened.bin", (b) => {
      b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 1;
      return b;
    });
    const first = await openAsnTable(source, path);
    expect(first.rebuilt).toBe(`${path} is corrupt: its content does not match its SHA-256`);
    expect(first.file.lookup("8.8.8.8")).toEqual(compact.lookup("8.8.8.8"));
    first.file.close();
    const again = await openAsnTable(source, path);
    expect(again.rebuilt).toBeNull();
    again.file.close();
    writeFileSync(source.csv4, SORTED_V4.replace("15169,Google LLC", "15169,Google"));
    utimesSync(source.csv4, new Date(), new Date(Date.now() + 5000));
    const changed = await openAsnTable(source, path);
    expect(changed.rebuilt).toBe("its CSVs changed");
    expect(changed.file.lookup("8.8.8.8")).toMatchObject({ org: "Google" });
    changed.file.close();
    expect((await openAsnTable(source, join(dir, "none.bin"))).rebuilt).toBe("missing");
  });
});
