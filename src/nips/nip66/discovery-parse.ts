/**
 * Reads a kind 30166 event (ours or another monitor's) back into a typed record. Only the
 * shape, the kind and a `d` tag are required; every other tag is read on its own, and a
 * malformed one (a non-numeric rtt, an unknown network, a label without namespace…) is left
 * out with a reason in `issues`. Unknown tags are ignored. Never throws; the signature is the
 * caller's to check.
 */
import type { Network } from "../../models/network.js";
import { parseNip11 } from "../nip11/parse.js";
import type { Nip11Document } from "../nip11/types.js";
import { RELAY_DISCOVERY_KIND } from "./discovery-tags.js";
import { addOnce, eventOfKind, isGeohash, isNetwork, parseUint, readTags } from "./tag-parse.js";

export interface DiscoveryLabel {
  value: string;
  namespace: string;
}

export interface RelayDiscovery {
  /** The `d` tag: the relay's URL (or a hex pubkey for relays without one). */
  relay: string;
  /** The monitor's pubkey. */
  monitor: string;
  createdAt: number;
  networks: Network[];
  rtt: { open?: number; read?: number; write?: number };
  nips: number[];
  /** `R` tags: `auth` → { auth: true }, `!auth` → { auth: false }. */
  requirements: Record<string, boolean>;
  types: string[];
  topics: string[];
  kinds: { accepted: number[]; rejected: number[] };
  geohashes: string[];
  /** `L` tags. */
  namespaces: string[];
  labels: DiscoveryLabel[];
  ssl: { valid?: boolean; expires?: number; issuer?: string };
  net: { ip?: string; ipv6?: string; asn?: number; asnOrg?: string };
  geo: { country?: string; city?: string; lat?: number; lon?: number; tz?: string };
  dns: { ip?: string; ip6?: string; cname?: string; ttl?: number };
  http: { server?: string; poweredBy?: string };
  /** The content parsed as a NIP-11 document; undefined when it is empty or not one. */
  nip11: Nip11Document | undefined;
}

export type RelayDiscoveryParse =
  | { ok: true; discovery: RelayDiscovery; issues: string[] }
  | { ok: false; reason: string };

type Fields = Record<string, unknown>;
/** Where a single-valued tag goes: the object, its key, and how to read the value. */
type Slot = [group: (d: RelayDiscovery) => Fields, key: string, read: (v: string) => unknown];

const text = (v: string) => v;
const coordinate = (limit: number) => (v: string) => {
  const n = Number(v);
  return v.trim() !== "" && Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
};
const sslVerdict = (v: string) => (v === "valid" ? true : v === "!valid" ? false : null);

const SINGLE: Record<string, Slot> = {
  "rtt-open": [(d) => d.rtt, "open", parseUint],
  "rtt-read": [(d) => d.rtt, "read", parseUint],
  "rtt-write": [(d) => d.rtt, "write", parseUint],
  ssl: [(d) => d.ssl, "valid", sslVerdict],
  "ssl-expires": [(d) => d.ssl, "expires", parseUint],
  "ssl-issuer": [(d) => d.ssl, "issuer", text],
  "net-ip": [(d) => d.net, "ip", text],
  "net-ipv6": [(d) => d.net, "ipv6", text],
  "net-asn": [(d) => d.net, "asn", parseUint],
  "net-asn-org": [(d) => d.net, "asnOrg", text],
  "geo-country": [(d) => d.geo, "country", text],
  "geo-city": [(d) => d.geo, "city", text],
  "geo-lat": [(d) => d.geo, "lat", coordinate(90)],
  "geo-lon": [(d) => d.geo, "lon", coordinate(180)],
  "geo-tz": [(d) => d.geo, "tz", text],
  "dns-ip": [(d) => d.dns, "ip", text],
  "dns-ip6": [(d) => d.dns, "ip6", text],
  "dns-cname": [(d) => d.dns, "cname", text],
  "dns-ttl": [(d) => d.dns, "ttl", parseUint],
  "http-server": [(d) => d.http, "server", text],
  "http-powered-by": [(d) => d.http, "poweredBy", text],
};

const REQUIREMENT = /^(!?)([a-z][a-z0-9_-]{0,31})$/;
const PASCAL_CASE = /^[A-Z][A-Za-z0-9]{0,63}$/;
const KIND = /^(!?)(0|[1-9][0-9]{0,4})$/;
const LIST_TAGS: ReadonlySet<string> = new Set(["n", "N", "R", "T", "t", "k", "g", "L", "l"]);

function readSingle(d: RelayDiscovery, [group, key, read]: Slot, value: string): string | null {
  const parsed = read(value);
  if (parsed === null) return "malformed value";
  const target = group(d);
  if (key in target) return "repeated (the first is kept)";
  target[key] = parsed;
  return null;
}

function readRequirement(d: RelayDiscovery, value: string): string | null {
  const match = REQUIREMENT.exec(value);
  if (match === null) return "not a requirement key";
  const [, bang, key = ""] = match;
  if (key in d.requirements) return "repeated or contradicted (the first is kept)";
  d.requirements[key] = bang !== "!";
  return null;
}

function readKind(d: RelayDiscovery, value: string): string | null {
  const match = KIND.exec(value);
  const kind = Number(match?.[2]);
  if (match === null || kind > 65535) return "not a kind";
  return addOnce(match[1] === "!" ? d.kinds.rejected : d.kinds.accepted, kind);
}

function readListTag(d: RelayDiscovery, name: string, value: string): string | null {
  switch (name) {
    case "n":
      return isNetwork(value) ? addOnce(d.networks, value) : "unknown network";
    case "N": {
      const nip = parseUint(value);
      return nip === null ? "not a NIP number" : addOnce(d.nips, nip);
    }
    case "R":
      return readRequirement(d, value);
    case "T":
      return PASCAL_CASE.test(value) ? addOnce(d.types, value) : "not a PascalCase type";
    case "t":
      return addOnce(d.topics, value);
    case "k":
      return readKind(d, value);
    case "g":
      return isGeohash(value) ? addOnce(d.geohashes, value) : "not a geohash";
    case "L":
      return addOnce(d.namespaces, value);
    default:
      return null;
  }
}

function readTag(d: RelayDiscovery, tag: readonly string[]): string | null {
  const [name = "", value] = tag;
  const slot = SINGLE[name];
  if (slot === undefined && !LIST_TAGS.has(name)) return null;
  if (value === undefined || value === "") return "no value";
  if (slot !== undefined) return readSingle(d, slot, value);
  if (name !== "l") return readListTag(d, name, value);
  const namespace = tag[2];
  if (namespace === undefined || namespace === "") return "label without namespace";
  d.labels.push({ value, namespace });
  return null;
}

function readContent(content: string, issues: string[]): Nip11Document | undefined {
  if (content === "") return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch {
    issues.push("content: not JSON");
    return undefined;
  }
  const parsed = parseNip11(raw);
  issues.push(...parsed.notes.map((n) => `content: ${n}`));
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) ? parsed.data : undefined;
}

/**
 * Reads a 30166 event; see the module comment.
 */
export function parseRelayDiscovery(raw: unknown): RelayDiscoveryParse {
  const event = eventOfKind(raw, RELAY_DISCOVERY_KIND);
  if (typeof event === "string") return { ok: false, reason: event };
  const dTags = event.tags.filter((t) => t[0] === "d");
  const relay = dTags[0]?.[1];
  if (relay === undefined || relay === "") return { ok: false, reason: "no d tag (relay URL)" };
  const issues = dTags.length > 1 ? [`${dTags.length} d tags (the first is the relay)`] : [];
  const d: RelayDiscovery = {
    relay,
    monitor: event.pubkey,
    createdAt: event.created_at,
    networks: [],
    rtt: {},
    nips: [],
    requirements: {},
    types: [],
    topics: [],
    kinds: { accepted: [], rejected: [] },
    geohashes: [],
    namespaces: [],
    labels: [],
    ssl: {},
    net: {},
    geo: {},
    dns: {},
    http: {},
    nip11: readContent(event.content, issues),
  };
  readTags(event.tags, (tag) => readTag(d, tag), issues);
  for (const ns of new Set(d.labels.map((l) => l.namespace))) {
    if (!d.namespaces.includes(ns)) issues.push(`label namespace ${ns} has no L tag`);
  }
  return { ok: true, discovery: d, issues };
}
