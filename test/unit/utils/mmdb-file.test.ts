/**
 * utils/mmdb-file (tree on disk) against `maxmind`'s Reader (whole file in memory) on the
 * bundled DB-IP City files: the same record for every address of a seeded sample.
 */
import { readFileSync } from "node:fs";
import { Reader, type Response } from "maxmind";
import { describe, expect, it } from "vitest";
import { bundledCitySource } from "../../../src/utils/geoip.js";
import { MmdbFile } from "../../../src/utils/mmdb-file.js";

const source = bundledCitySource();
const files = source && "v4" in source ? source : null;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function compare(path: string, ips: string[]): void {
  const reader = new Reader<Response>(readFileSync(path));
  const file = new MmdbFile(path);
  try {
    const mismatches = ips.filter(
      (ip) => JSON.stringify(file.get(ip)) !== JSON.stringify(reader.get(ip)),
    );
    expect(mismatches).toEqual([]);
    expect(ips.some((ip) => file.get(ip) !== null)).toBe(true);
  } finally {
    file.close();
  }
}

describe.skipIf(files === null)("MmdbFile on the bundled DB-IP City files", () => {
  it("finds the same IPv4 records as maxmind's Reader", () => {
    const random = seeded(66);
    const byte = () => Math.floor(random() * 256);
    const ips = Array.from({ length: 3000 }, () => [byte(), byte(), byte(), byte()].join("."));
    compare(files?.v4 ?? "", [...ips, "8.8.8.8", "1.1.1.1", "127.0.0.1", "0.0.0.0"]);
  });

  it.skipIf(files?.v6 === undefined)(
    "finds the same IPv6 records",
    () => {
      const random = seeded(6);
      const group = () => Math.floor(random() * 0x10000).toString(16);
      const ips = Array.from({ length: 1000 }, () => {
        const head = (0x2000 + Math.floor(random() * 0x1000)).toString(16);
        return [head, group(), group(), group(), "0", "0", "0", "1"].join(":");
      });
      compare(files?.v6 ?? "", [...ips, "2001:4860:4860::8888", "::1"]);
    },
    60_000,
  );

  it("rejects a file that is not a MaxMind DB", () => {
    expect(() => new MmdbFile(new URL(import.meta.url).pathname)).toThrow(/not a MaxMind DB/);
  });
});
