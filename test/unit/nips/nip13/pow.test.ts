import { describe, expect, it } from "vitest";
import { computeEventId } from "../../../../src/models/event.js";
import { minePow, minePowAsync, powDifficulty } from "../../../../src/nips/nip13/pow.js";

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

describe("minePowAsync", () => {
  const template = { kind: 30_078, created_at: 1_700_000_000, tags: [["d", "x"]], content: "" };

  it("mines in a worker thread: the result reaches the target", async () => {
    const mined = await minePowAsync(template, PUBKEY, 14);
    expect(mined?.tags[1]?.[2]).toBe("14");
    const id = computeEventId({ ...(mined ?? template), pubkey: PUBKEY });
    expect(powDifficulty(id)).toBeGreaterThanOrEqual(14);
  });

  it("keeps the event loop free while it hashes, and stops when aborted", async () => {
    // 300,000 hashes for an unreachable target: always the full count, about 0.3 s of work.
    let last = performance.now();
    let longest = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    const none = await minePowAsync(template, PUBKEY, 60, { maxAttempts: 300_000 });
    const took = performance.now() - started;
    clearInterval(tick);
    expect(none).toBeNull();
    // On the calling thread the longest gap would be the whole mining time.
    expect(longest).toBeLessThan(Math.max(100, took / 2));

    const controller = new AbortController();
    const pending = minePowAsync(template, PUBKEY, 60, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toBeNull();
  });
});
