import { describe, expect, it } from "vitest";
import { kindOf } from "../../../bench/support/monitor-devnet.js";
import { chunkedMakespan, listSchedule } from "../../../bench/support/schedule.js";

/** bench:monitor's baseline: schedules simulated from measured per-relay durations. */
describe("listSchedule", () => {
  it("each slot takes the next relay when it frees, in order", () => {
    // Two slots: 5 and 1 start; 1 ends at 1 and takes 1 (ends 2), then 3 (ends 5); 5 ends at 5.
    expect(listSchedule([5, 1, 1, 3], 2)).toBe(5);
    // The same relays in another order: 3 and 5 run alongside, 1 and 1 follow the 3.
    expect(listSchedule([3, 5, 1, 1], 2)).toBe(5);
    expect(listSchedule([4, 4, 4], 2)).toBe(8);
  });

  it("one slot is the sum, enough slots the longest; no relays take no time", () => {
    expect(listSchedule([2, 3, 4], 1)).toBe(9);
    expect(listSchedule([2, 3, 4], 30)).toBe(4);
    expect(listSchedule([], 30)).toBe(0);
  });
});

describe("chunkedMakespan", () => {
  it("every chunk waits for its slowest relay before the next starts", () => {
    // Continuous, the slot freed by a short relay starts the next long one at once (10 and
    // 1 → 10 at 1 → 1 at 10 → 10 at 11 → ends 21); in chunks of 2 each waits 10.
    const durations = [10, 1, 10, 1, 10, 1];
    expect(listSchedule(durations, 2)).toBe(21);
    expect(chunkedMakespan(durations, 2, 2)).toBe(30);
    expect(chunkedMakespan(durations, 6, 2)).toBe(listSchedule(durations, 2));
  });
});

describe("bench:monitor devnet", () => {
  it("one relay in ten misbehaves, five silent and five refusing in any 100", () => {
    for (const start of [0, 100, 400]) {
      const kinds = Array.from({ length: 100 }, (_, i) => kindOf(start + i));
      expect(kinds.filter((k) => k === "silent")).toHaveLength(5);
      expect(kinds.filter((k) => k.startsWith("refuse"))).toHaveLength(5);
    }
    const all = Array.from({ length: 500 }, (_, i) => kindOf(i));
    expect(all.filter((k) => k === "refuse-destroy")).toHaveLength(13);
    expect(all.filter((k) => k === "refuse-503")).toHaveLength(12);
  });
});
