/**
 * The bundled geo and ASN databases' share of RSS, measured alone in a fresh process:
 * `node --expose-gc --import tsx bench/support/geo-rss.ts '{}'` opens the City and then the
 * ASN data the monitor opens by default (utils/geoip.ts) and prints one JSON line of RSS (MB)
 * before, after each open and at its peak (sampled every 50 ms), then, with both still open,
 * after a full GC with the JS heap and the external (Buffer, typed array) shares, and the
 * seconds each open took.
 */
import { performance } from "node:perf_hooks";
import {
  type AsnDatabase,
  bundledAsnSource,
  bundledCitySource,
  type GeoDatabase,
  openAsnDatabase,
  openCityDatabase,
} from "../../src/utils/geoip.js";
import { withPeakRss } from "./peak-rss.js";

const mb = (bytes: number) => bytes / 2 ** 20;
const citySource = bundledCitySource();
const asnSource = bundledAsnSource();
if (citySource === null || asnSource === null) throw new Error("optional geo data not installed");
const baseMb = mb(process.memoryUsage().rss);
const open: { city?: GeoDatabase; asn?: AsnDatabase } = {};
const { value, peakMb } = await withPeakRss(async () => {
  const t0 = performance.now();
  open.city = await openCityDatabase(citySource);
  const t1 = performance.now();
  const cityMb = mb(process.memoryUsage().rss);
  open.asn = await openAsnDatabase(asnSource);
  const t2 = performance.now();
  return { cityMb, citySeconds: (t1 - t0) / 1000, asnSeconds: (t2 - t1) / 1000 };
}, 50);
const afterAsnMb = mb(process.memoryUsage().rss);
(globalThis as { gc?: () => void }).gc?.();
const settled = process.memoryUsage();
// Both databases are still referenced here, so the GC kept them.
const answers = [open.city?.city("1.1.1.1"), open.asn?.asn("1.1.1.1")].length;
const result = {
  base_mb: baseMb,
  after_city_mb: value.cityMb,
  after_asn_mb: afterAsnMb,
  peak_mb: peakMb,
  after_gc_mb: mb(settled.rss),
  after_gc_heap_mb: mb(settled.heapUsed),
  after_gc_external_mb: mb(settled.external),
  city_open_s: value.citySeconds,
  asn_open_s: value.asnSeconds,
  lookups: answers,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
