/** The live path's decisions without sockets: backoff, resume point, rate cap, lag quantiles. */
import { describe, expect, it } from "vitest";
import {
  failuresAfter,
  reconnectDelay,
} from "../../../../../src/services/synchronizer/live/backoff.js";
import { LagWindow } from "../../../../../src/services/synchronizer/live/lag-window.js";
import { newestSeen, resumeSince } from "../../../../../src/services/synchronizer/live/resume.js";
import { RateCap } from "../../../../../src/services/synchronizer/live/throttle.js";

const policy = { minMs: 1000, maxMs: 60_000, stableMs: 30_000 };

describe("reconnect backoff", () => {
  it("doubles its ceiling with each failure in a row, up to the maximum, never below the minimum", () => {
    expect(reconnectDelay(1, policy, () => 1)).toBe(1000);
    expect(reconnectDelay(2, policy, () => 1)).toBe(2000);
    expect(reconnectDelay(4, policy, () => 1)).toBe(8000);
    expect(reconnectDelay(30, policy, () => 1)).toBe(60_000);
    expect(reconnectDelay(30, policy, () => 0)).toBe(1000);
    expect(reconnectDelay(3, policy, () => 0.5)).toBe(2500);
  });

  it("starts again from one failure after a subscription that stayed open long enough", () => {
    expect(failuresAfter(5, 0, policy)).toBe(6);
    expect(failuresAfter(5, 29_999, policy)).toBe(6);
    expect(failuresAfter(5, 30_000, policy)).toBe(1);
  });
});

describe("resume point", () => {
  const p = { lookback: 60, maxCatchup: 900 };
  it("is the newest event seen less the lookback, at first now less the lookback", () => {
    expect(resumeSince(undefined, 10_000, p)).toBe(9940);
    expect(resumeSince(9800, 10_000, p)).toBe(9740);
  });
  it("never reaches further back than max_catchup, nor past now for events from the future", () => {
    expect(resumeSince(1000, 10_000, p)).toBe(9100);
    expect(resumeSince(50_000, 10_000, p)).toBe(9940);
    expect(newestSeen(undefined, 50_000, 10_000)).toBe(10_000);
    expect(newestSeen(9000, 8000, 10_000)).toBe(9000);
    expect(newestSeen(9000, 9500, 10_000)).toBe(9500);
  });
});

describe("rate cap", () => {
  it("lets a burst through, then the rate; refusals are counted and reset when taken", () => {
    const cap = new RateCap(10, 5, 0);
    const passed = Array.from({ length: 8 }, () => cap.take(0)).filter(Boolean).length;
    expect(passed).toBe(5);
    expect(cap.takeRefused()).toBe(3);
    expect(cap.takeRefused()).toBe(0);
    // 10/s: 100 ms gives one token, 1 s gives the burst back (not more).
    expect(cap.take(100)).toBe(true);
    expect(cap.take(100)).toBe(false);
    const later = Array.from({ length: 8 }, () => cap.take(5000)).filter(Boolean).length;
    expect(later).toBe(5);
  });
});

describe("lag window", () => {
  it("gives nearest-rank quantiles of the last samples only", () => {
    const w = new LagWindow(100);
    expect(w.quantile(0.5)).toBeNull();
    for (let i = 1; i <= 100; i++) w.add(i);
    expect(w.quantile(0.5)).toBe(50);
    expect(w.quantile(0.95)).toBe(95);
    for (let i = 0; i < 100; i++) w.add(1000);
    expect(w.quantile(0.5)).toBe(1000);
    expect(w.count).toBe(100);
  });
});
