/**
 * Host-name rules: clearnet hostnames and the overlay suffixes (.onion, .i2p, .loki).
 * Inputs are already lowercased, IDNA-converted and stripped of a trailing dot.
 */
import { createHash } from "node:crypto";
import type { Network } from "./network.js";

/** The network a host name belongs to, or the reason it is refused. */
export type HostClass = { ok: true; network: Network } | { ok: false; reason: string };

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const BASE32 = /^[a-z2-7]+$/;
// z-base-32 alphabet; a 32-byte key takes 52 symbols whose last 4 bits are zero padding,
// so the last symbol is "y" (0) or "o" (16).
const LOKI_KEY = /^[ybndrfg8ejkmcpqxot1uwisza345h769]{51}[yo]$/;

// Special-use names (RFC 6761, 6762, 8375, and the .internal TLD reserved in 2024) that
// never name a public relay; treated like localhost.
const RESERVED_TLDS = new Set(["localhost", "local", "test", "invalid", "example", "internal"]);

export function isValidLabel(label: string): boolean {
  return LABEL.test(label);
}

/** A clearnet-style hostname: ≥2 labels, each valid, ≤253 chars, TLD not all digits. */
export function isValidHostname(host: string): boolean {
  if (host.length > 253) return false;
  const labels = host.split(".");
  const tld = labels[labels.length - 1] ?? "";
  if (labels.length < 2 || /^[0-9]+$/.test(tld)) return false;
  return labels.every(isValidLabel);
}

function decodeBase32(text: string): Buffer {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text) {
    buffer = (buffer << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** v3 onion: base32(pubkey[32] | checksum[2] | version=3), checksum from SHA3-256. */
function isOnionV3Key(label: string): boolean {
  if (label.length !== 56 || !BASE32.test(label)) return false;
  const raw = decodeBase32(label);
  const pubkey = raw.subarray(0, 32);
  const version = raw.subarray(34, 35);
  if (version[0] !== 3) return false;
  const digest = createHash("sha3-256")
    .update(".onion checksum")
    .update(pubkey)
    .update(version)
    .digest();
  return digest[0] === raw[32] && digest[1] === raw[33];
}

function classifyOnion(labels: string[]): HostClass {
  const key = labels[labels.length - 2] ?? "";
  // v2 onion services (16 base32 chars, RSA-1024 + SHA-1) were removed from Tor in
  // 0.4.6 (2021); such addresses can no longer be reached, so they are refused.
  if (key.length === 16 && BASE32.test(key)) {
    return { ok: false, reason: "deprecated .onion v2 address" };
  }
  const subdomains = labels.slice(0, -2);
  if (!isOnionV3Key(key) || !subdomains.every(isValidLabel)) {
    return { ok: false, reason: "invalid .onion address" };
  }
  return { ok: true, network: "tor" };
}

function classifyI2p(host: string, labels: string[]): HostClass {
  if (host.endsWith(".b32.i2p")) {
    const key = labels[0] ?? "";
    const good = labels.length === 3 && key.length === 52 && BASE32.test(key);
    return good ? { ok: true, network: "i2p" } : { ok: false, reason: "invalid .i2p address" };
  }
  // Address-book names such as `relay.i2p`.
  return isValidHostname(host)
    ? { ok: true, network: "i2p" }
    : { ok: false, reason: "invalid .i2p address" };
}

function classifyLoki(labels: string[]): HostClass {
  const key = labels[labels.length - 2] ?? "";
  const subdomains = labels.slice(0, -2);
  if (!LOKI_KEY.test(key) || !subdomains.every(isValidLabel)) {
    return { ok: false, reason: "invalid .loki address" };
  }
  return { ok: true, network: "loki" };
}

/** Classifies a (non-IP) host name by its suffix. */
export function classifyHostname(host: string): HostClass {
  const labels = host.split(".");
  const tld = labels[labels.length - 1] ?? "";
  if (host === "localhost" || host === "localhost.localdomain" || tld === "localhost") {
    return { ok: false, reason: "localhost not allowed" };
  }
  if (RESERVED_TLDS.has(tld) || host.endsWith(".home.arpa")) {
    return { ok: false, reason: "reserved domain name" };
  }
  if (tld === "onion") return classifyOnion(labels);
  if (tld === "i2p") return classifyI2p(host, labels);
  if (tld === "loki") return classifyLoki(labels);
  if (["http", "https", "ws", "wss"].includes(host)) {
    return { ok: false, reason: "nested scheme in host" };
  }
  return isValidHostname(host)
    ? { ok: true, network: "clearnet" }
    : { ok: false, reason: "invalid hostname" };
}
