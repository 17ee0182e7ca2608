/**
 * bench:scale's monitor history: every relay checked every hour for `days` days, written as
 * the monitor's history writer writes it (recordRelayMetadata: relays, content-addressed
 * documents, snapshots and the per-relay checkpoints in one transaction, runs in chunks of
 * 1,000, the largest chunk_size the monitor allows). Documents have the monitor's shapes
 * (services/monitor/documents.ts): nip66_rtt every hour; nip11_info, nip66_geo, nip66_net
 * once a day (geo and net on clearnet only), spread over the hours by relay.
 */
import type { Db } from "../../src/core/db/pool.js";
import { type RelayCheck, recordRelayMetadata } from "../../src/core/db/relay-metadata.js";
import { relayCheckpointRow } from "../../src/core/db/service-state/monitor-checkpoint.js";
import type { MetadataType } from "../../src/models/metadata-type.js";
import { ASNS, HOUR, hashUniform, type ScaleRelay } from "./scale-data.js";

/** Runs (one relay at one hour) per transaction: the monitor's largest chunk_size. */
export const CHECK_CHUNK = 1000;

const FAILURES = ["timeout", "connection refused", "dns: ENOTFOUND", "tls: certificate expired"];

type Doc = { data: Record<string, unknown>; logs: Record<string, unknown> };

/** Whether the relay's check at `hour` (0 = the oldest of `hours`) succeeds. */
export function upAt(r: ScaleRelay, hour: number, hours: number, seed: number): boolean {
  if (r.health === "dead") return false;
  if (r.health === "down" && hour >= hours - 48) return false;
  return hashUniform(seed, r.index, hour, 7) < r.uptime;
}

function failure(r: ScaleRelay, seed: number): string {
  return FAILURES[Math.floor(hashUniform(seed, r.index, 11) * FAILURES.length)] as string;
}

function rttDoc(r: ScaleRelay, up: boolean, u: number, seed: number): Doc {
  if (!up) {
    const reason = failure(r, seed);
    const logs = { open_success: false, open_reason: reason, read_success: false };
    return { data: {}, logs: { ...logs, read_reason: reason, write_success: false } };
  }
  const open = Math.round(r.rtt * (0.6 + u));
  const data: Record<string, unknown> = { rtt_open: open, rtt_read: open + Math.round(40 * u) };
  const write = r.writable
    ? { write_success: true }
    : { write_success: false, write_reason: "auth-required: sign in", write_policy: "auth" };
  if (r.writable) data.rtt_write = open + Math.round(90 * u);
  const logs = { open_success: true, read_success: true, ...write, auth: "none", insecure: false };
  return { data, logs };
}

function nip11Doc(r: ScaleRelay, day: number): Doc {
  // A new version every 15 days or so: most daily documents repeat (stored once).
  const version = `${1 + (r.version % 3)}.${r.version + Math.floor((day + r.index) / 15)}.0`;
  const data: Record<string, unknown> = {
    name: `relay ${r.index}`,
    description: `A bench relay in ${r.country}.`,
    supported_nips: r.nips,
    version,
    limitation: {
      auth_required: r.authRequired,
      payment_required: r.paymentRequired,
      max_message_length: 131_072,
      max_subscriptions: 20,
    },
  };
  if (r.software !== null) data.software = r.software;
  return { data, logs: { success: true } };
}

function geoDoc(r: ScaleRelay): Doc {
  const lat = Math.round(((r.index * 7919) % 12_000) / 100 - 55);
  const lon = Math.round(((r.index * 104_729) % 34_000) / 100 - 170);
  const data = { geo_country: r.country, geo_lat: lat, geo_lon: lon, geo_accuracy_km: 100 };
  return { data: { ...data, geo_ip: ipOf(r) }, logs: { success: true } };
}

function netDoc(r: ScaleRelay): Doc {
  const org = (ASNS.find(([asn]) => asn === r.asn) as [number, string])[1];
  const data = { net_ip: ipOf(r), net_asn: r.asn, net_asn_org: org, net_network: "203.0.113.0/24" };
  return { data, logs: { success: true } };
}

const ipOf = (r: ScaleRelay) => `198.51.${(r.index >> 8) & 255}.${r.index & 255}`;

function dailyDocs(r: ScaleRelay, up: boolean, day: number, seed: number): [MetadataType, Doc][] {
  const failed: Doc = { data: {}, logs: { success: false, reason: failure(r, seed) } };
  const docs: [MetadataType, Doc][] = [["nip11_info", up ? nip11Doc(r, day) : failed]];
  if (r.network === "clearnet") {
    const reachable = r.health !== "dead";
    docs.push(["nip66_geo", reachable ? geoDoc(r) : failed]);
    docs.push(["nip66_net", reachable ? netDoc(r) : failed]);
  }
  return docs;
}

export interface CheckHour {
  /** 0 = the oldest hour. */
  hour: number;
  hours: number;
  /** Unix seconds of the newest hour's checks. */
  end: number;
  seed: number;
}

/** The checks of one hourly run of `relays` (relays not yet discovered are not checked). */
export function checksOfHour(relays: readonly ScaleRelay[], h: CheckHour): RelayCheck[] {
  const at = h.end - (h.hours - 1 - h.hour) * HOUR;
  const day = Math.floor(h.hour / 24);
  const checks: RelayCheck[] = [];
  for (const r of relays) {
    if (r.discoveredAt > at) continue;
    const relay = { url: r.url, network: r.network, discoveredAt: r.discoveredAt };
    const up = upAt(r, h.hour, h.hours, h.seed);
    const u = hashUniform(h.seed, r.index, h.hour, 8);
    const push = (type: MetadataType, data: Doc) =>
      checks.push({ relay, type, data, generatedAt: at });
    push("nip66_rtt", rttDoc(r, up, u, h.seed));
    if ((h.hour + r.index) % 24 === 0)
      for (const [type, doc] of dailyDocs(r, up, day, h.seed)) push(type, doc);
  }
  return checks;
}

/** Writes one hour of checks in chunks of CHECK_CHUNK relays, `writers` at a time. */
export async function writeCheckHour(
  db: Db,
  relays: readonly ScaleRelay[],
  h: CheckHour,
  writers: number,
): Promise<number> {
  const at = h.end - (h.hours - 1 - h.hour) * HOUR;
  let next = 0;
  let rows = 0;
  const writer = async () => {
    for (let i = next; i < relays.length; i = next) {
      next += CHECK_CHUNK;
      const chunk = relays.slice(i, i + CHECK_CHUNK);
      const checks = checksOfHour(chunk, h);
      const checkpoints = [...new Set(checks.map((c) => c.relay.url))].map((url) =>
        relayCheckpointRow(url, at),
      );
      const result = await recordRelayMetadata(db, checks, { checkpoints, now: at });
      rows += result.relayMetadata;
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return rows;
}
