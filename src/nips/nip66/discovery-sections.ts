/**
 * The sections of a 30166's tags, each from one source: the NIP-11 document (`N`, `t`,
 * languages), the access the probes and NIP-11 imply (`R`, `T`, `k`), and the ssl, net, geo,
 * dns and http checks (BigBrotr's `ssl`, `net-*`, `geo-*`, `dns-*`, `http-*` tags, `g`).
 * Values that go into NIP-32 labels are collected in `labels`; the caller writes them last.
 */
import type { Nip11Document } from "../nip11/types.js";
import type { Nip66Results } from "./checks.js";
import {
  type DiscoveryPart,
  LABEL_NAMESPACES,
  type LabelNamespace,
  MAX_LIST_TAGS,
  REQUIREMENT_KEYS,
  tagValue,
} from "./discovery-tags.js";
import { assessAccess, relayTypes } from "./requirements.js";
import type { Nip66Rtt } from "./rtt.js";

export interface Label {
  namespace: LabelNamespace;
  value: string;
}

/** `[name, value]` tags for the values that pass `tagValue`, at most MAX_LIST_TAGS. */
function listTags(name: string, values: readonly string[], notes: string[]): string[][] {
  const clean = [...new Set(values.map(tagValue).filter((v): v is string => v !== null))];
  const dropped = values.length - clean.length;
  if (dropped > 0) notes.push(`${name}: ${dropped} value(s) left out (repeated or unprintable)`);
  if (clean.length > MAX_LIST_TAGS) {
    notes.push(`${name}: ${clean.length - MAX_LIST_TAGS} value(s) over ${MAX_LIST_TAGS} left out`);
  }
  return clean.slice(0, MAX_LIST_TAGS).map((v) => [name, v]);
}

/** Two-letter primary subtags of `language_tags` ("pt-BR" → "pt"); none when "*" is listed. */
function languages(tags: readonly string[]): string[] {
  if (tags.includes("*")) return [];
  const primary = tags.map((t) => t.split("-")[0]?.toLowerCase() ?? "");
  return [...new Set(primary.filter((p) => /^[a-z]{2}$/.test(p)))].slice(0, MAX_LIST_TAGS);
}

/** `N` per supported NIP and `t` per NIP-11 tag; languages go to `labels`. */
export function nip11Tags(
  nip11: Nip11Document | undefined,
  labels: Label[],
  notes: string[],
): string[][] {
  if (nip11 === undefined) return [];
  for (const language of languages(nip11.language_tags ?? [])) {
    labels.push({ namespace: LABEL_NAMESPACES.language, value: language });
  }
  const nips = (nip11.supported_nips ?? []).map(String);
  return [...listTags("N", nips, notes), ...listTags("t", nip11.tags ?? [], notes)];
}

/** `R` per known requirement, `T` per relay type, `k` for the write probe's kind if accepted. */
export function accessTags(
  nip11: Nip11Document | undefined,
  rtt: Nip66Rtt,
  writeKind: number,
): string[][] {
  const access = assessAccess(nip11, rtt);
  const tags: string[][] = [];
  for (const key of REQUIREMENT_KEYS) {
    const value = access.requirements[key];
    if (value !== undefined) tags.push(["R", value ? key : `!${key}`]);
  }
  for (const type of relayTypes(nip11?.supported_nips ?? [], access)) tags.push(["T", type]);
  if (rtt.write.status === "ok") tags.push(["k", String(writeKind)]);
  return tags;
}

type Emit = (name: string, value: string | number | undefined, label?: LabelNamespace) => void;

function sslTags(checks: Nip66Results, emit: Emit): void {
  if (checks.ssl.status !== "ok") return;
  const ssl = checks.ssl.data;
  emit("ssl", ssl.valid ? "valid" : "!valid");
  emit("ssl-expires", ssl.notAfter);
  emit("ssl-issuer", ssl.issuerO ?? ssl.issuerCn);
}

function netTags(checks: Nip66Results, emit: Emit): void {
  if (checks.net.status !== "ok") return;
  const net = checks.net.data;
  emit("net-ip", net.ipv4);
  emit("net-ipv6", net.ipv6);
  emit("net-asn", net.asn, LABEL_NAMESPACES.asn);
  emit("net-asn-org", net.asnOrg, LABEL_NAMESPACES.asnOrg);
}

function geoTags(checks: Nip66Results, emit: Emit): void {
  if (checks.geo.status !== "ok") return;
  const geo = checks.geo.data;
  emit("geo-country", geo.country?.toUpperCase(), LABEL_NAMESPACES.country);
  emit("geo-city", geo.city, LABEL_NAMESPACES.city);
  emit("geo-lat", geo.lat);
  emit("geo-lon", geo.lon);
  emit("geo-tz", geo.timezone, LABEL_NAMESPACES.timezone);
}

function dnsTags(checks: Nip66Results, emit: Emit): void {
  if (checks.dns.status !== "ok") return;
  const dns = checks.dns.data;
  emit("dns-ip", dns.ipv4[0]);
  emit("dns-ip6", dns.ipv6[0]);
  emit("dns-cname", dns.cname);
  emit("dns-ttl", dns.ttl);
}

function httpTags(checks: Nip66Results, emit: Emit): void {
  if (checks.http.status !== "ok") return;
  emit("http-server", checks.http.data.server);
  emit("http-powered-by", checks.http.data.poweredBy);
}

/** `g`, then the ssl, net, geo, dns and http tags of the included checks that succeeded. */
export function probeTags(
  checks: Nip66Results,
  include: ReadonlySet<DiscoveryPart>,
  labels: Label[],
): string[][] {
  const tags: string[][] = [];
  const emit: Emit = (name, raw, label) => {
    const value = raw === undefined ? null : tagValue(String(raw));
    if (value === null) return;
    tags.push([name, value]);
    if (label !== undefined) labels.push({ namespace: label, value });
  };
  const geohash = checks.geo.status === "ok" ? checks.geo.data.geohash : undefined;
  if (include.has("geo")) emit("g", geohash);
  const sections = { ssl: sslTags, net: netTags, geo: geoTags, dns: dnsTags, http: httpTags };
  for (const [part, section] of Object.entries(sections)) {
    if (include.has(part as DiscoveryPart)) section(checks, emit);
  }
  return tags;
}
