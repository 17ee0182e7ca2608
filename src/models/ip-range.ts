/**
 * IP literal parsing, RFC 5952 formatting and the reserved/private range table (spec §5.2).
 * Pure: no DNS, no sockets. Used by relay URL normalisation and later by DNS SSRF checks.
 */

/** An IPv6 address as eight 16-bit groups. */
export type Ipv6Groups = readonly number[];

const IPV4_PART = /^(0|[1-9][0-9]{0,2})$/;

/**
 * Strict dotted-quad IPv4: four decimal parts 0–255 without leading zeros
 * (so `010.0.0.1`, which some stacks read as octal, is refused). Returns the 32-bit value.
 */
export function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!IPV4_PART.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

function parseGroups(text: string): number[] | null {
  if (text === "") return [];
  const out: number[] = [];
  for (const group of text.split(":")) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    out.push(Number.parseInt(group, 16));
  }
  return out;
}

/** Splits a trailing embedded IPv4 (`::ffff:1.2.3.4`) into two hex groups. */
function expandEmbeddedIpv4(text: string): string | null {
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (!tail.includes(".")) return text;
  const v4 = parseIpv4(tail);
  if (v4 === null || lastColon < 0) return null;
  const hi = Math.floor(v4 / 65536).toString(16);
  const lo = (v4 % 65536).toString(16);
  return `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
}

/** Parses an IPv6 literal (no brackets, no zone id) into eight groups. */
export function parseIpv6(text: string): Ipv6Groups | null {
  const expanded = expandEmbeddedIpv4(text);
  if (expanded === null) return null;
  const halves = expanded.split("::");
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? "");
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/**
 * RFC 5952 text form: lowercase hex, no leading zeros, the longest run (first on a tie) of
 * two or more zero groups replaced by `::`.
 */
export function formatIpv6(groups: Ipv6Groups): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLen).join(":");
  return `${head}::${tail}`;
}

/** The IPv4 inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), else null. */
export function mappedIpv4(groups: Ipv6Groups): number | null {
  for (let i = 0; i < 5; i++) if (groups[i] !== 0) return null;
  if (groups[5] !== 0xffff) return null;
  return (groups[6] ?? 0) * 65536 + (groups[7] ?? 0);
}

// Spec §5.2 ranges (the original's 28) plus a few the original missed, marked "added".
const IPV4_RESERVED: readonly (readonly [string, number])[] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
  ["255.255.255.255", 32],
];

const IPV6_RESERVED: readonly (readonly [string, number])[] = [
  ["::1", 128],
  ["::", 128],
  ["::", 96], // added: deprecated IPv4-compatible addresses (RFC 4291 §2.5.5.1)
  ["::ffff:0:0", 96], // IPv4-mapped; parseRelayUrl unwraps these before checking
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48], // added: local-use NAT64 (RFC 8215)
  ["100::", 64],
  ["2001::", 32],
  ["2001:2::", 48],
  ["2001:db8::", 32],
  ["2001:10::", 28],
  ["3fff::", 20], // added: documentation (RFC 9637)
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10], // added: deprecated site-local (RFC 3879)
  ["ff00::", 8],
];

function toBigInt(groups: Ipv6Groups): bigint {
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

const V4_TABLE = IPV4_RESERVED.map(([base, bits]) => ({ base: parseIpv4(base) ?? 0, bits }));
const V6_TABLE = IPV6_RESERVED.map(([base, bits]) => ({
  base: toBigInt(parseIpv6(base) ?? []),
  bits: BigInt(bits),
}));

export function isReservedIpv4(value: number): boolean {
  return V4_TABLE.some(({ base, bits }) => {
    const size = 2 ** (32 - bits);
    return Math.floor(value / size) === Math.floor(base / size);
  });
}

export function isReservedIpv6(groups: Ipv6Groups): boolean {
  const v4 = mappedIpv4(groups);
  if (v4 !== null) return isReservedIpv4(v4);
  const value = toBigInt(groups);
  return V6_TABLE.some(({ base, bits }) => value >> (128n - bits) === base >> (128n - bits));
}

/**
 * True when `ip` (IPv4 dotted quad, or IPv6 with or without brackets) lies in a private,
 * loopback, link-local, documentation, multicast or otherwise reserved range. IPv4-mapped
 * IPv6 is judged by its IPv4. Anything that is not a valid IP literal also returns true
 * (fail closed: callers use this to refuse connections).
 */
export function isPrivateAddress(ip: string): boolean {
  const text = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  const v4 = parseIpv4(text);
  if (v4 !== null) return isReservedIpv4(v4);
  const v6 = parseIpv6(text);
  if (v6 !== null) return isReservedIpv6(v6);
  return true;
}
