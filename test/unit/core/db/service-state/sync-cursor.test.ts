import { describe, expect, it } from "vitest";
import { cursorRow, parseCursor } from "../../../../../src/core/db/service-state/sync-cursor.js";

const URL = "wss://cursor.example";
const stored = (value: Record<string, unknown>) =>
  cursorRow(URL, { ...parseCursor(null, {}), ...value }).stateValue;

describe("synchronizer cursor", () => {
  it("keeps the open window of an interrupted walk through a round trip", () => {
    const open = {
      since: 101,
      until: 86_500,
      low: 101,
      high: 40_000,
      gaps: [{ since: 50_000, until: 50_000, filter: {}, reason: "second-overflow" as const }],
    };
    const value = stored({ until: 100, open });
    expect(parseCursor(value, {}).open).toEqual(open);
    // Windows of a cycle start at the lookback, before the cursor's next second.
    expect(parseCursor(stored({ until: 100, open: { ...open, since: 1 } }), {}).open?.since).toBe(
      1,
    );
    // Nothing open: nothing stored, nothing read.
    expect("open" in stored({ until: 100 })).toBe(false);
    expect(parseCursor(stored({ until: 100 }), {}).open).toBeNull();
  });

  it.each([
    ["a window that starts after the cursor's next second", { since: 102 }],
    ["a window that ends at or before the cursor", { until: 100, high: 100 }],
    ["a part left outside its window", { low: 90 }],
    ["a part left above its window", { high: 90_000 }],
    ["an empty part left", { low: 500, high: 400 }],
    ["a non-integer bound", { high: "40000" }],
  ])("drops %s (the walk starts the window over)", (_name, change) => {
    const open = { since: 101, until: 86_500, low: 101, high: 40_000, gaps: [], ...change };
    expect(parseCursor({ ...stored({ until: 100 }), open }, {}).open).toBeNull();
  });

  it("keeps the open first window of a relay never walked through once (since > 0)", () => {
    // processing.since 1_700_000_000: the first window starts there, the cursor is still −1.
    const open = {
      since: 1_700_000_000,
      until: 1_700_086_399,
      low: 1_700_000_000,
      high: 1_700_040_000,
      gaps: [],
    };
    expect(parseCursor(stored({ until: -1, open }), {}).open).toEqual(open);
  });

  it("drops the open window with the rest of the progress when the filter changes", () => {
    const value = stored({
      until: 100,
      open: { since: 101, until: 200, low: 101, high: 150, gaps: [] },
    });
    expect(parseCursor(value, { kinds: [1] }).open).toBeNull();
  });
});
