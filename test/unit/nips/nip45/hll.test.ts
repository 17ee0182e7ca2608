import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  addPubkey,
  decodeHll,
  encodeHll,
  estimateHll,
  HLL_STANDARD_ERROR,
  hllOffset,
  registersOf,
} from "../../../../src/nips/nip45/index.js";

/** n distinct, well-spread pubkeys (sha256 of their index). */
const pubkeys = (n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) =>
    createHash("sha256")
      .update(`pk${from + i}`)
      .digest("hex"),
  );

describe("hllOffset (NIP-45: 8 + the hex digit at position 32 of the first tag value)", () => {
  const id = `${"0".repeat(32)}c${"0".repeat(31)}`;
  it("takes an id or pubkey as it is", () => {
    expect(hllOffset({ kinds: [7], "#e": [id] })).toBe(8 + 12);
  });
  it("takes the pubkey of an address", () => {
    expect(hllOffset({ "#a": [`30023:${id}:slug`] })).toBe(20);
  });
  it("hashes anything else", () => {
    const h = createHash("sha256").update("bitcoin").digest("hex");
    expect(hllOffset({ "#t": ["bitcoin", "nostr"] })).toBe(
      8 + Number.parseInt(h[32] as string, 16),
    );
  });
  it("is undefined (null) without a tag attribute", () => {
    expect(hllOffset({ kinds: [1] })).toBeNull();
  });
});

describe("registers", () => {
  it("index is the byte at offset; value the leading zeros after it, plus one", () => {
    const registers = new Uint8Array(256);
    // offset 8: byte 8 = 0x2a (register 42), byte 9 = 0x00, byte 10 = 0x10 (3 leading zeros)
    const pk = `${"ff".repeat(8)}2a0010${"ff".repeat(21)}`;
    expect(addPubkey(registers, pk, 8)).toBe(true);
    expect(registers[42]).toBe(8 + 3 + 1);
    // a smaller value never lowers a register
    addPubkey(registers, `${"ff".repeat(8)}2a80${"ff".repeat(22)}`, 8);
    expect(registers[42]).toBe(12);
    expect(addPubkey(registers, "zz", 8)).toBe(false);
  });

  it("encodes to 512 hex characters and decodes back", () => {
    const registers = registersOf(pubkeys(300), 16);
    const hex = encodeHll(registers);
    expect(hex).toHaveLength(512);
    const decoded = decodeHll(hex);
    expect(decoded.ok && [...decoded.registers]).toEqual([...registers]);
  });

  it("says what is wrong with a bad hll", () => {
    expect(decodeHll(42)).toEqual({ ok: false, reason: "hll is not a string" });
    expect(decodeHll("00")).toMatchObject({ ok: false, reason: expect.stringMatching(/2 hex/) });
    expect(decodeHll("zz".repeat(256))).toMatchObject({ ok: false, reason: "hll is not hex" });
    expect(decodeHll("ff".repeat(256))).toMatchObject({ ok: false, reason: /impossible/ });
  });
});

describe("estimate", () => {
  it.each([0, 5, 50, 500, 2_000, 10_000, 50_000])(
    "%i distinct pubkeys estimated within 3 standard errors",
    (n) => {
      const { estimate, error } = estimateHll(registersOf(pubkeys(n), 13));
      expect(error).toBeCloseTo(HLL_STANDARD_ERROR);
      expect(Math.abs(estimate - n)).toBeLessThanOrEqual(Math.max(1, 3 * error * n));
    },
  );

  it("counts duplicates once", () => {
    const a = registersOf([...pubkeys(3_000), ...pubkeys(3_000)], 11);
    expect(Math.abs(estimateHll(a).estimate - 3_000)).toBeLessThanOrEqual(
      3 * HLL_STANDARD_ERROR * 3_000,
    );
  });
});
