/**
 * Check results as stored history: one `{data, logs}` document per check (docs/monitor.md has
 * every field). `data` describes the relay; `logs` says whether the check worked and why not.
 * Durations stay out (only the rtt values themselves are times), so a relay whose certificate,
 * addresses or NIP-11 document did not change stores the same document again, which the
 * content-addressed `metadata` table keeps once. Skipped checks store nothing; an rtt whose
 * open failed is stored (uptime is computed from it).
 */
import type { MetadataType } from "../../models/metadata-type.js";
import { storableText } from "../../models/text.js";
import type { CheckResult } from "../../nips/check-result.js";
import type { Nip11Document } from "../../nips/nip11/index.js";
import type { Nip66Results } from "../../nips/nip66/checks.js";
import type { Nip66Dns } from "../../nips/nip66/dns.js";
import type { Nip66Geo } from "../../nips/nip66/geo.js";
import type { Nip66Http } from "../../nips/nip66/http.js";
import type { Nip66Net } from "../../nips/nip66/net.js";
import type { Nip66Rtt, RttPhase } from "../../nips/nip66/rtt.js";
import type { Nip66Ssl } from "../../nips/nip66/ssl.js";

export interface StoredDocument {
  data: Record<string, unknown>;
  logs: Record<string, unknown>;
}

/** What one relay's run produced: NIP-11 and the NIP-66 checks. */
export interface RelayResults extends Nip66Results {
  nip11: CheckResult<Nip11Document>;
}

function plain<T>(
  result: CheckResult<T>,
  fields: (data: T) => Record<string, unknown>,
): StoredDocument | null {
  if (result.status === "skipped") return null;
  if (result.status === "error")
    return { data: {}, logs: { success: false, reason: result.reason } };
  return { data: fields(result.data), logs: { success: true } };
}

function phaseLogs(name: "read" | "write", phase: RttPhase): Record<string, unknown> {
  switch (phase.status) {
    case "ok":
      return { [`${name}_success`]: true };
    case "refused":
      return {
        [`${name}_success`]: false,
        [`${name}_reason`]: phase.reason,
        [`${name}_policy`]: phase.policy,
      };
    case "failed":
      return { [`${name}_success`]: false, [`${name}_reason`]: phase.reason };
    case "skipped":
      return { [`${name}_reason`]: `skipped: ${phase.reason}` };
  }
}

const phaseMs = (phase: RttPhase) => (phase.status === "ok" ? phase.ms : undefined);

export function rttDocument(result: CheckResult<Nip66Rtt>): StoredDocument | null {
  if (result.status === "skipped") return null;
  if (result.status === "error") {
    const reason = result.reason;
    return {
      data: {},
      logs: {
        open_success: false,
        open_reason: reason,
        read_success: false,
        read_reason: reason,
        write_success: false,
        write_reason: reason,
      },
    };
  }
  const r = result.data;
  return {
    data: { rtt_open: r.openMs, rtt_read: phaseMs(r.read), rtt_write: phaseMs(r.write) },
    logs: {
      open_success: true,
      ...phaseLogs("read", r.read),
      ...phaseLogs("write", r.write),
      auth: r.auth,
      insecure: r.insecure,
    },
  };
}

const sslFields = (s: Nip66Ssl) => ({
  ssl_valid: s.valid,
  ssl_invalid_reason: s.invalidReason,
  ssl_fingerprint: s.fingerprint,
  ssl_subject_cn: s.subjectCn,
  ssl_subject_o: s.subjectO,
  ssl_issuer: s.issuerO,
  ssl_issuer_cn: s.issuerCn,
  ssl_san: s.san,
  ssl_san_ips: s.sanIps,
  ssl_not_before: s.notBefore,
  ssl_expires: s.notAfter,
  ssl_serial: s.serial,
  ssl_self_signed: s.selfSigned,
  ssl_key_bits: s.keyBits,
  ssl_protocol: s.protocol,
  ssl_cipher: s.cipher,
});

const dnsFields = (d: Nip66Dns) => ({
  dns_ips: d.ipv4,
  dns_ips_v6: d.ipv6,
  dns_ttl: d.ttl,
  dns_cname: d.cname,
  dns_domain: d.domain,
  dns_ns: d.ns,
  dns_reverse: d.ptr,
});

const geoFields = (g: Nip66Geo) => ({
  geo_ip: g.ip,
  geo_country: g.country,
  geo_country_name: g.countryName,
  geo_continent: g.continent,
  geo_continent_name: g.continentName,
  geo_is_eu: g.isEu,
  geo_region: g.region,
  geo_city: g.city,
  geo_postal: g.postalCode,
  geo_lat: g.lat,
  geo_lon: g.lon,
  geo_accuracy_km: g.accuracyKm,
  geo_tz: g.timezone,
  geo_geoname_id: g.geonameId,
  geo_hash: g.geohash,
});

const netFields = (n: Nip66Net) => ({
  net_ip: n.ipv4,
  net_ipv6: n.ipv6,
  net_asn: n.asn,
  net_asn_org: n.asnOrg,
  net_network: n.network,
  net_network_v6: n.networkV6,
});

const httpFields = (h: Nip66Http) => ({ http_server: h.server, http_powered_by: h.poweredBy });

/**
 * The document with every string PostgreSQL cannot store (NUL, lone surrogates) made storable:
 * the relay chose most of these words (certificate names, headers, messages), and one such
 * string would fail the write of every relay checked with it. (undefined values go, as they
 * would from the stored JSON.)
 */
function storable(doc: StoredDocument): StoredDocument {
  return JSON.parse(JSON.stringify(doc), (_key, value: unknown) =>
    typeof value === "string" ? storableText(value) : value,
  );
}

/** The documents to store for one relay's run, by metadata type (skipped checks absent). */
export function storedDocuments(results: RelayResults): Map<MetadataType, StoredDocument> {
  const dns = plain(results.dns, dnsFields);
  if (dns && results.dns.status === "ok") {
    const errors = results.dns.data.errors;
    if (Object.keys(errors).length > 0) dns.logs.errors = errors;
  }
  const docs: [MetadataType, StoredDocument | null][] = [
    ["nip11_info", plain(results.nip11, (d) => ({ ...d }))],
    ["nip66_rtt", rttDocument(results.rtt)],
    ["nip66_ssl", plain(results.ssl, sslFields)],
    ["nip66_dns", dns],
    ["nip66_geo", plain(results.geo, geoFields)],
    ["nip66_net", plain(results.net, netFields)],
    ["nip66_http", plain(results.http, httpFields)],
  ];
  return new Map(
    docs.flatMap(([type, doc]) => (doc === null ? [] : [[type, storable(doc)] as const])),
  );
}
