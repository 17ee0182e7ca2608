import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { NegProtocolError } from "../../../../src/nips/nip77/errors.js";
import { RecordSet } from "../../../../src/nips/nip77/records.js";
import {
  ByteReader,
  ByteWriter,
  encodeVarint,
  fromHex,
  INFINITY_BOUND,
} from "../../../../src/nips/nip77/wire.js";

const hex = (w: ByteWriter) => Buffer.from(w.finish()).toString("hex");

describe("varints", () => {
  it.each([
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "8100"],
    [300, "822c"],
    [16_383, "ff7f"],
    [16_384, "818000"],
    [1_700_000_000, "86aacfe200"],
    [Number.MAX_SAFE_INTEGER, "8fffffffffffff7f"],
  ])("%d is %s, and reads back", (n, encoded) => {
    expect(Buffer.from(encodeVarint(n)).toString("hex")).toBe(encoded);
    expect(new ByteReader(fromHex(encoded)).varint()).toBe(n);
  });

  it("refuses negative, fractional and oversized values", () => {
    expect(() => encodeVarint(-1)).toThrow(RangeError);
    expect(() => encodeVarint(1.5)).toThrow(RangeError);
    expect(() => new ByteReader(fromHex("ffffffffffffffffff7f")).varint()).toThrow(
      NegProtocolError,
    );
    expect(() => new ByteReader(fromHex("81")).varint()).toThrow(/ends in the middle/);
  });
});

describe("bounds", () => {
  it("delta-encodes timestamps as 1 + offset, infinity as 0, with the id prefix", () => {
    const w = new ByteWriter();
    w.bound({ timestamp: 100, prefix: new Uint8Array(0) });
    w.bound({ timestamp: 100, prefix: Uint8Array.of(0xab, 0xcd) });
    w.bound({ timestamp: 250, prefix: new Uint8Array(0) });
    w.bound(INFINITY_BOUND);
    // 100 → 101 (0x65); same second → 1; +150 → 151 (0x81 0x17); infinity → 0.
    expect(hex(w)).toBe("6500" + "0102abcd" + "811700" + "0000");
    const r = new ByteReader(w.finish());
    expect(r.bound().timestamp).toBe(100);
    const second = r.bound();
    expect(second.timestamp).toBe(100);
    expect(Buffer.from(second.prefix).toString("hex")).toBe("abcd");
    expect(r.bound().timestamp).toBe(250);
    expect(r.bound().timestamp).toBe(Number.POSITIVE_INFINITY);
    expect(r.remaining).toBe(0);
  });

  it("refuses an id prefix longer than an id", () => {
    expect(() => new ByteReader(fromHex(`0121${"00".repeat(33)}`)).bound()).toThrow(
      /id prefix of 33 bytes/,
    );
  });

  it("refuses what is not hex", () => {
    expect(() => fromHex("6")).toThrow(NegProtocolError);
    expect(() => fromHex("zz")).toThrow(NegProtocolError);
  });
});

/** The V1 fingerprint computed another way: BigInt sum, Buffer varint of the count. */
function referenceFingerprint(ids: Buffer[]): string {
  let sum = 0n;
  for (const id of ids)
    sum = (sum + BigInt(`0x${Buffer.from(id).reverse().toString("hex")}`)) % 2n ** 256n;
  const le = Buffer.from(sum.toString(16).padStart(64, "0"), "hex").reverse();
  const count = Buffer.from(encodeVarint(ids.length));
  return createHash("sha256")
    .update(Buffer.concat([le, count]))
    .digest()
    .subarray(0, 16)
    .toString("hex");
}

describe("RecordSet", () => {
  it("sorts by timestamp then id and drops duplicates", () => {
    const a = "ff".repeat(32);
    const b = `${"00".repeat(31)}01`;
    const set = RecordSet.from([
      { timestamp: 5, id: a },
      { timestamp: 5, id: b },
      { timestamp: 1, id: a },
      { timestamp: 5, id: a },
    ]);
    expect(set.size).toBe(3);
    expect([0, 1, 2].map((i) => [set.timestamp(i), set.hexId(i)])).toEqual([
      [1, a],
      [5, b],
      [5, a],
    ]);
  });

  it("refuses malformed ids and timestamps", () => {
    expect(() => RecordSet.from([{ timestamp: 1, id: "abcd" }])).toThrow(RangeError);
    expect(() => RecordSet.from([{ timestamp: -1, id: "00".repeat(32) }])).toThrow(RangeError);
  });

  it("fingerprints = sha256(sum of ids mod 2^256, little-endian ‖ varint count)[0..16]", () => {
    // Ids of 0xff… make every limb carry, and the sum wraps around 2^256.
    const ids = [
      Buffer.alloc(32, 0xff),
      Buffer.alloc(32, 0xff),
      Buffer.from(`01${"00".repeat(31)}`, "hex"),
      ...Array.from({ length: 300 }, () => randomBytes(32)),
    ];
    const set = RecordSet.from(ids.map((id, i) => ({ timestamp: i, id: id.toString("hex") })));
    for (const [begin, end] of [
      [0, 0],
      [0, 1],
      [0, 3],
      [1, 200],
      [0, ids.length],
    ] as const) {
      const expected = referenceFingerprint(ids.slice(begin, end));
      expect(Buffer.from(set.fingerprint(begin, end)).toString("hex")).toBe(expected);
    }
  });

  it("finds the first record at or above a bound, prefix padded with zeros", () => {
    const ids = ["10", "20", "2000ff", "30"].map((p) => p.padEnd(64, "0"));
    const set = RecordSet.from(ids.map((id) => ({ timestamp: 7, id })));
    const at = (timestamp: number, prefix: string) =>
      set.lowerBound({ timestamp, prefix: fromHex(prefix) });
    expect(at(7, "")).toBe(0);
    expect(at(7, "20")).toBe(1);
    expect(at(7, "2001")).toBe(3);
    expect(at(8, "")).toBe(4);
    expect(at(6, "ff")).toBe(0);
    expect(set.lowerBound(INFINITY_BOUND)).toBe(4);
    // Between 20000… and 2000ff…: the common prefix (2 bytes) plus one.
    expect(Buffer.from(set.boundBefore(2).prefix).toString("hex")).toBe("2000ff");
  });
});
