import { describe, expect, it } from "vitest";
import { computeEventId } from "../../../../src/models/event.js";
import { minePow, powDifficulty } from "../../../../src/nips/nip13/pow.js";

const PUBKEY = "a".repeat(64);

describe("powDifficulty", () => {
  it.each([
    ["000000000e9d97a1ab09fc381030b346cdd7a142ad57e6df0b46dc9bef6c7e2d", 36],
    ["ff".repeat(32), 0],
    ["7f".padEnd(64, "0"), 1],
    ["0f".padEnd(64, "f"), 4],
    ["00".repeat(32), 256],
    ["not hex", 0],
  ])("%s has %i leading zero bits", (id, bits) => {
    expect(powDifficulty(id)).toBe(bits);
  });
});

describe("minePow", () => {
  const template = { kind: 1, created_at: 1_700_000_000, tags: [["t", "x"]], content: 'say "hi"' };

  it("appends a nonce tag naming the target and reaches it", () => {
    const mined = minePow(template, PUBKEY, 10);
    expect(mined?.tags.slice(0, 1)).toEqual([["t", "x"]]);
    const nonce = mined?.tags[1];
    expect(nonce?.[0]).toBe("nonce");
    expect(nonce?.[2]).toBe("10");
    const id = computeEventId({ ...(mined ?? template), pubkey: PUBKEY });
    expect(powDifficulty(id)).toBeGreaterThanOrEqual(10);
  });

  it("returns the template unchanged for difficulty 0 and null when attempts run out", () => {
    expect(minePow(template, PUBKEY, 0)).toBe(template);
    expect(minePow(template, PUBKEY, 40, 100)).toBeNull();
  });
});
