import { describe, expect, it } from "vitest";
import {
  type CheckResult,
  checkError,
  checkOk,
  checkSkipped,
} from "../../../src/nips/check-result.js";
import { retryCheck, retryDelayMs } from "../../../src/nips/check-retry.js";

describe("retryDelayMs", () => {
  it("doubles from the initial delay, caps at the maximum, adds U(0, jitter)", () => {
    const o = { initialDelayMs: 100, maxDelayMs: 500, jitterMs: 50 };
    expect([0, 1, 2, 3, 4].map((n) => retryDelayMs(n, o, () => 0))).toEqual([
      100, 200, 400, 500, 500,
    ]);
    expect(retryDelayMs(0, o, () => 0.5)).toBe(125);
    expect(retryDelayMs(3, o, () => 0.999)).toBe(550);
  });

  it("defaults: 1 s doubling to 10 s, jitter up to 0.5 s", () => {
    expect([0, 3, 4, 9].map((n) => retryDelayMs(n, {}, () => 1))).toEqual([
      1500, 8500, 10_500, 10_500,
    ]);
  });
});

function sequence<T>(results: CheckResult<T>[]) {
  let calls = 0;
  const run = async () => results[Math.min(calls++, results.length - 1)] as CheckResult<T>;
  return { run, calls: () => calls };
}

const fast = { initialDelayMs: 1, maxDelayMs: 2, jitterMs: 0 };

describe("retryCheck", () => {
  it("does not run again after an error its isFinal accepts (a mute relay's timeout)", async () => {
    const isFinal = (reason: string) => reason.startsWith("timeout:");
    const mute = sequence([checkError("timeout: no answer", 3), checkOk("late", 1)]);
    const result = await retryCheck(mute.run, { ...fast, retries: 2, isFinal });
    expect(result).toEqual({ status: "error", reason: "timeout: no answer", durationMs: 3 });
    expect(mute.calls()).toBe(1);
    const refused = sequence([checkError("refused", 3), checkOk("up", 1)]);
    expect((await retryCheck(refused.run, { ...fast, retries: 2, isFinal })).status).toBe("ok");
    expect(refused.calls()).toBe(2);
  });

  it("runs once by default and keeps the reason as is", async () => {
    const s = sequence([checkError("refused", 3)]);
    expect(await retryCheck(s.run)).toEqual({ status: "error", reason: "refused", durationMs: 3 });
    expect(s.calls()).toBe(1);
  });

  it("retries errors only, and stops at the first success", async () => {
    const s = sequence([checkError("a", 1), checkError("b", 1), checkOk(7, 2), checkError("c", 1)]);
    expect(await retryCheck(s.run, { ...fast, retries: 5 })).toEqual(checkOk(7, 2));
    expect(s.calls()).toBe(3);
    const skipped = sequence([checkSkipped("disabled")]);
    expect(await retryCheck(skipped.run, { ...fast, retries: 5 })).toEqual(
      checkSkipped("disabled"),
    );
    expect(skipped.calls()).toBe(1);
  });

  it("says how many attempts an error took", async () => {
    const s = sequence([checkError("timeout", 5)]);
    expect(await retryCheck(s.run, { ...fast, retries: 2 })).toEqual({
      status: "error",
      reason: "timeout (3 attempts)",
      durationMs: 5,
    });
    expect(s.calls()).toBe(3);
  });

  it("waits between attempts and stops waiting when the signal aborts", async () => {
    const s = sequence([checkError("x", 1)]);
    const started = performance.now();
    await retryCheck(s.run, { retries: 1, initialDelayMs: 60, jitterMs: 0 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const t0 = performance.now();
    const aborted = sequence([checkError("y", 1)]);
    const result = await retryCheck(aborted.run, {
      retries: 3,
      initialDelayMs: 5000,
      signal: controller.signal,
    });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(aborted.calls()).toBe(1);
    expect(result).toEqual({ status: "error", reason: "y", durationMs: 1 });
  });
});
