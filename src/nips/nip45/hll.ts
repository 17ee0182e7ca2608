/**
 * NIP-45 HyperLogLog: 256 one-byte registers over the *pubkeys* of the events a filter
 * matches, so its estimate is of distinct authors, not of events. The register index is the
 * pubkey's byte at `offset`; its value the count of leading zero bits from byte offset+1 on,
 * plus one, the largest kept. The offset comes from the filter's first tag value (8 + the
 * hex digit at position 32); the NIP leaves filters without a tag undefined (null here).
 * Encoded as 512 hex characters. Independent of any service: callers bring events or hex.
 */
import { createHash } from "node:crypto";
import type { Filter } from "../../models/event-types.js";

export const HLL_REGISTERS = 256;
/** Relative standard error of a 256-register estimate: 1.04 / sqrt(256). */
export const HLL_STANDARD_ERROR = 1.04 / Math.sqrt(HLL_REGISTERS);

const HEX64 = /^[0-9a-f]{64}$/u;
const ADDRESS = /^\d+:([0-9a-f]{64}):/u;

/** The filter's deterministic offset (8..23), or null when it has no tag attribute. */
export function hllOffset(filter: Filter): number | null {
  const tag = Object.entries(filter).find(([key]) => key.startsWith("#"));
  const first = Array.isArray(tag?.[1]) ? tag[1][0] : undefined;
  if (typeof first !== "string") return null;
  const address = ADDRESS.exec(first);
  const hex = HEX64.test(first)
    ? first
    : address?.[1] !== undefined
      ? address[1]
      : createHash("sha256").update(first, "utf8").digest("hex");
  return 8 + Number.parseInt(hex.charAt(32), 16);
}

/** Empty registers (all zero). */
export function emptyRegisters(): Uint8Array {
  return new Uint8Array(HLL_REGISTERS);
}

/** Leading zero bits of `bytes` from index `from` on, plus one. */
function rank(bytes: Uint8Array, from: number): number {
  let zeros = 0;
  for (let i = from; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === 0) {
      zeros += 8;
      continue;
    }
    return zeros + Math.clz32(byte) - 24 + 1;
  }
  return zeros + 1;
}

/** Adds one pubkey (64 hex characters) to `registers` at `offset`; a bad pubkey is ignored. */
export function addPubkey(registers: Uint8Array, pubkey: string, offset: number): boolean {
  if (!HEX64.test(pubkey) || offset < 8 || offset > 23) return false;
  const bytes = Buffer.from(pubkey, "hex");
  const index = bytes[offset] as number;
  const value = rank(bytes, offset + 1);
  if (value > (registers[index] as number)) registers[index] = value;
  return true;
}

/** Registers of a set of pubkeys (duplicates count once, as for the relay). */
export function registersOf(pubkeys: Iterable<string>, offset: number): Uint8Array {
  const registers = emptyRegisters();
  for (const pubkey of pubkeys) addPubkey(registers, pubkey, offset);
  return registers;
}

export function encodeHll(registers: Uint8Array): string {
  return Buffer.from(registers).toString("hex");
}

/** The 256 registers of a relay's `hll`, or an error naming what is wrong with it. */
export function decodeHll(
  hex: unknown,
): { ok: true; registers: Uint8Array } | { ok: false; reason: string } {
  if (typeof hex !== "string") return { ok: false, reason: "hll is not a string" };
  if (hex.length !== HLL_REGISTERS * 2) {
    return { ok: false, reason: `hll has ${hex.length} hex characters, not ${HLL_REGISTERS * 2}` };
  }
  if (!/^[0-9a-fA-F]*$/u.test(hex)) return { ok: false, reason: "hll is not hex" };
  const registers = new Uint8Array(Buffer.from(hex, "hex"));
  // A register can hold at most (32 - 8 - 1) * 8 + 1 = 185 (offset 8, all zero after it).
  if (registers.some((r) => r > 185))
    return { ok: false, reason: "hll has an impossible register" };
  return { ok: true, registers };
}

export interface HllEstimate {
  /** Estimated distinct pubkeys. */
  estimate: number;
  /** Relative standard error (1.04 / sqrt(256) ≈ 6.5 %); about 99.7 % fall within 3×. */
  error: number;
  /** Linear counting was used (few registers set: the small-range correction). */
  linear: boolean;
}

/** The HyperLogLog estimate (Flajolet et al. 2007) with its small-range correction. */
export function estimateHll(registers: Uint8Array): HllEstimate {
  const m = HLL_REGISTERS;
  const alpha = 0.7213 / (1 + 1.079 / m);
  let sum = 0;
  let zeros = 0;
  for (const r of registers) {
    sum += 2 ** -r;
    if (r === 0) zeros++;
  }
  const raw = (alpha * m * m) / sum;
  if (raw <= 2.5 * m && zeros > 0) {
    return {
      estimate: Math.round(m * Math.log(m / zeros)),
      error: HLL_STANDARD_ERROR,
      linear: true,
    };
  }
  return { estimate: Math.round(raw), error: HLL_STANDARD_ERROR, linear: false };
}
