/**
 * The geo and net checks' databases, opened once per process at the first cycle: the files
 * named in monitor.yaml (operator GeoLite2), else the bundled DB-IP Lite City and
 * ip-location-db ASN data (optional npm packages, CC BY 4.0; the ASN CSVs read through their
 * compact table, built at `geo.asn_table` when missing or stale). A database that cannot be
 * opened is logged once and its check then reports "no database".
 */
import type { Logger } from "../../core/logger.js";
import { toError } from "../../models/errors.js";
import {
  type AsnDatabase,
  bundledAsnSource,
  bundledCitySource,
  type GeoDatabase,
  openAsnDatabase,
  openCityDatabase,
} from "../../utils/geoip.js";
import type { MonitorProcessing } from "./config.js";

export interface GeoData {
  city: GeoDatabase | null;
  asn: AsnDatabase | null;
}

async function attempt<T>(
  what: string,
  log: Logger,
  open: (() => Promise<T>) | null,
): Promise<T | null> {
  if (open === null) {
    log.warn({ what }, "geo_database_missing");
    return null;
  }
  try {
    return await open();
  } catch (error) {
    log.warn({ what, err: toError(error).message }, "geo_database_unreadable");
    return null;
  }
}

export async function openGeoData(
  processing: MonitorProcessing,
  log: Logger,
  preset: { geo?: GeoDatabase | null; asn?: AsnDatabase | null } = {},
): Promise<GeoData> {
  const { checks, geo } = processing;
  const citySource = geo.city_mmdb ? { mmdb: geo.city_mmdb } : bundledCitySource();
  const asnSource = geo.asn_mmdb ? { mmdb: geo.asn_mmdb } : bundledAsnSource();
  const city =
    preset.geo !== undefined
      ? preset.geo
      : checks.geo.enabled
        ? await attempt("city", log, citySource && (() => openCityDatabase(citySource)))
        : null;
  const asn =
    preset.asn !== undefined
      ? preset.asn
      : checks.net.enabled
        ? await attempt("asn", log, asnSource && (() => openAsnDatabase(asnSource, geo.asn_table)))
        : null;
  if (city || asn)
    log.info({ city: city?.description, asn: asn?.description }, "geo_databases_opened");
  return { city, asn };
}
