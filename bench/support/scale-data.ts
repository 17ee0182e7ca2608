/**
 * bench:scale's relays: `count` relays, each drawn from its own index and the seed (so the
 * generator thread and the main thread build the same list without sharing it). 85 % on
 * clearnet, 12 % Tor, 2 % I2P, 1 % Lokinet; 60 % up (each hourly check succeeds with
 * probability 0.97–1), 25 % down now (up now and then earlier, never in the last two days),
 * 15 % dead (every check fails): 40 % down or dead, as on the real network.
 */
import { createHash } from "node:crypto";
import type { Network } from "../../src/models/network.js";

export const HOUR = 3600;
export const DAY = 86_400;
/** Events span three years before the end of the dataset. */
export const EVENT_SPAN = 3 * 365 * DAY;

/** A uniform float in [0, 1) hashed from integers: the same inputs, the same value. */
export function hashUniform(a: number, b: number, c = 0, d = 0): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  for (const x of [b, c, d]) {
    h = Math.imul(h ^ (h >>> 15) ^ Math.imul(x, 0xc2b2ae35), 0x27d4eb2f);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return ((h ^ (h >>> 13)) >>> 0) / 4294967296;
}

/**
 * Index of a Zipf–Mandelbrot draw over `n` items from a uniform `u` (continuous inverse of
 * P(rank ≤ k) ∝ ln((k + 1 + q) / (1 + q))): item 0 is the most frequent.
 */
export function zipfIndex(u: number, n: number, q: number): number {
  const k = (1 + q) * ((n + q) / (1 + q)) ** u - 1 - q;
  return Math.min(n - 1, Math.max(0, Math.floor(k)));
}

export type RelayHealth = "up" | "down" | "dead";

export interface ScaleRelay {
  index: number;
  url: string;
  network: Network;
  discoveredAt: number;
  health: RelayHealth;
  /** Probability that a check succeeds (before the last two days for a "down" relay). */
  uptime: number;
  writable: boolean;
  /** Typical rtt_open in ms. */
  rtt: number;
  /** NIP-11 software (null: the document names none) and its first version. */
  software: string | null;
  version: number;
  nips: number[];
  authRequired: boolean;
  paymentRequired: boolean;
  country: string;
  asn: number;
}

const SOFTWARE: [string | null, number][] = [
  ["git+https://github.com/hoytech/strfry.git", 40],
  ["https://git.sr.ht/~gheartsfield/nostr-rs-relay", 14],
  ["https://github.com/fiatjaf/khatru", 14],
  ["git+https://github.com/Cameri/nostream.git", 7],
  ["https://github.com/bitvora/haven", 5],
  ["https://github.com/bitvora/wot-relay", 4],
  ["https://github.com/mikedilger/chorus", 3],
  ["https://github.com/coracle-social/zooid", 2],
  ["relay29", 2],
  [null, 9],
];
const NIP_SETS = [
  [1, 11],
  [1, 2, 4, 9, 11, 22, 28, 40, 70, 77],
  [1, 2, 4, 9, 11, 12, 15, 16, 20, 22, 28, 33, 40],
  [1, 9, 11, 40, 42, 50],
  [1, 11, 42, 45, 50, 77],
  [1, 2, 9, 11, 12, 15, 16, 20, 22, 33, 40, 42],
];
const COUNTRIES: [string, number][] = [
  ["US", 30],
  ["DE", 15],
  ["FR", 8],
  ["NL", 6],
  ["JP", 5],
  ["GB", 5],
  ["CA", 4],
  ["FI", 4],
  ["SG", 3],
  ["BR", 3],
  ["CH", 3],
  ["AU", 2],
  ["KR", 2],
  ["IN", 2],
  ["ES", 2],
  ["IT", 2],
  ["SE", 2],
  ["PL", 2],
];
export const ASNS: [number, string][] = [
  [13335, "CLOUDFLARENET"],
  [24940, "Hetzner Online GmbH"],
  [16509, "AMAZON-02"],
  [14061, "DIGITALOCEAN-ASN"],
  [16276, "OVH SAS"],
  [20473, "AS-CHOOPA"],
  [51167, "Contabo GmbH"],
  [63949, "Akamai Connected Cloud"],
];
const DOMAINS = ["nostr.example.com", "relay.example.com", "example.net", "nostr.example.org"];
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const LOKI = "ybndrfg8ejkmcpqxot1uwisza345h769";

function weighted<T>(items: readonly [T, number][], u: number): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let roll = u * total;
  for (const [item, w] of items) {
    roll -= w;
    if (roll < 0) return item;
  }
  return (items.at(-1) as [T, number])[0];
}

function base32(bytes: Buffer): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >> bits) & 31];
    }
  }
  return bits > 0 ? out + BASE32[(buffer << (5 - bits)) & 31] : out;
}

/** A well-formed v3 onion host for a key derived from `label`. */
function onionHost(label: string): string {
  const pubkey = createHash("sha256").update(label).digest();
  const version = Buffer.from([3]);
  const sum = createHash("sha3-256").update(".onion checksum").update(pubkey).update(version);
  const checksum = sum.digest().subarray(0, 2);
  return `${base32(Buffer.concat([pubkey, checksum, version]))}.onion`;
}

function relayAddress(index: number, seed: number): { url: string; network: Network } {
  const u = hashUniform(seed, index, 1);
  const key = createHash("sha256").update(`scale-relay:${seed}:${index}`).digest();
  if (u < 0.85) {
    const domain = DOMAINS[index % DOMAINS.length] as string;
    const path = hashUniform(seed, index, 2) < 0.05 ? "/inbox" : "";
    return { url: `wss://relay${index}.${domain}${path}`, network: "clearnet" };
  }
  if (u < 0.97) return { url: `ws://${onionHost(`${seed}:${index}`)}`, network: "tor" };
  if (u < 0.99) return { url: `ws://${base32(key).slice(0, 52)}.b32.i2p`, network: "i2p" };
  const long = createHash("sha512").update(key).digest();
  const loki = [...long.subarray(0, 51)].map((b) => LOKI[b & 31]).join("");
  return { url: `ws://${loki}o.loki`, network: "loki" };
}

/** Relay `index` of the dataset ending at `end`. */
export function scaleRelay(index: number, seed: number, end: number): ScaleRelay {
  const u = (salt: number) => hashUniform(seed, index, 100 + salt);
  const { url, network } = relayAddress(index, seed);
  const h = u(1);
  const health: RelayHealth = h < 0.6 ? "up" : h < 0.85 ? "down" : "dead";
  // 5 % of the relays were discovered during the checked month, the rest over three years.
  const recent = u(2) < 0.05;
  const discoveredAt = Math.floor(end - (recent ? 30 * DAY * u(3) : EVENT_SPAN * u(3)));
  return {
    index,
    url,
    network,
    discoveredAt,
    health,
    uptime: health === "up" ? 0.97 + 0.03 * u(4) : health === "down" ? 0.3 * u(4) : 0,
    writable: u(5) < 0.7,
    rtt: Math.round(40 * Math.exp(1.2 * u(6) + (network === "clearnet" ? 0 : 2))),
    software: weighted(SOFTWARE, u(7)),
    version: Math.floor(u(8) * 20),
    nips: NIP_SETS[Math.floor(u(9) * NIP_SETS.length)] as number[],
    authRequired: u(10) < 0.08,
    paymentRequired: u(11) < 0.05,
    country: weighted(COUNTRIES, u(12)),
    asn: (ASNS[Math.floor(u(13) * ASNS.length)] as [number, string])[0],
  };
}

export function scaleRelays(count: number, seed: number, end: number): ScaleRelay[] {
  return Array.from({ length: count }, (_, i) => scaleRelay(i, seed, end));
}
