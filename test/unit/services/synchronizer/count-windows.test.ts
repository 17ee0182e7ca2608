import { describe, expect, it } from "vitest";
import type { Filter } from "../../../../src/models/event-types.js";
import {
  type AskCount,
  countWindows,
} from "../../../../src/services/synchronizer/count-windows.js";

/** A relay holding events at `times`, answering COUNT as `answer(true count)` says. */
function relay(times: readonly number[], answer: (n: number) => number = (n) => n): AskCount {
  return async (f: Filter) => {
    const n = times.filter((t) => t >= (f.since ?? 0) && t <= (f.until ?? Infinity)).length;
    return { count: answer(n), approximate: false };
  };
}

const spread = (n: number, from: number, step: number) =>
  Array.from({ length: n }, (_, i) => from + i * step);
const RANGE = { since: 0, until: 1_700_000_000 };

describe("countWindows", () => {
  it("an exact relay: its count, checked against its halves", async () => {
    const c = await countWindows(relay(spread(500, 1_699_900_000, 100)), {}, RANGE, 32);
    expect(c).toMatchObject({
      count: 500,
      clamped: false,
      lowerBound: false,
      ignoresBounds: false,
    });
  });

  it("a capped relay: split into clamped windows until they add up", async () => {
    const c = await countWindows(
      relay(spread(500, 1_699_900_000, 100), (n) => Math.min(n, 100)),
      {},
      RANGE,
      128,
    );
    expect(c.requests).toBeLessThanOrEqual(128);
    expect(c).toMatchObject({ count: 500, clamped: true, lowerBound: false });
  });

  it("a capped relay and too small a budget: a lower bound", async () => {
    const c = await countWindows(
      relay(spread(500, 1_699_900_000, 100), (n) => Math.min(n, 100)),
      {},
      RANGE,
      5,
    );
    expect(c.lowerBound).toBe(true);
    expect(c.count).toBeLessThan(500);
    expect(c.requests).toBeLessThanOrEqual(5);
  });

  it("a relay ignoring since/until", async () => {
    const c = await countWindows(async () => ({ count: 42, approximate: false }), {}, RANGE, 32);
    expect(c).toMatchObject({ count: 42, ignoresBounds: true });
  });
});
