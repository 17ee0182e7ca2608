import { describe, expect, it } from "vitest";
import { parseKinds, parseTimestamp } from "../../../src/cli/options.js";

describe("CLI option parsers", () => {
  it("reads timestamps as unix seconds or ISO 8601", () => {
    expect(parseTimestamp("1700000000")).toBe(1_700_000_000);
    expect(parseTimestamp("0")).toBe(0);
    expect(parseTimestamp("2024-01-31")).toBe(1_706_659_200);
    expect(parseTimestamp("2024-01-31T12:00:00Z")).toBe(1_706_702_400);
    for (const bad of ["", "-5", "1.5", "yesterday", "2024-13-45", "99999999999999999999"]) {
      expect(() => parseTimestamp(bad), bad).toThrow(/unix seconds or an ISO 8601/);
    }
  });

  it("reads comma-separated kinds, de-duplicated", () => {
    expect(parseKinds("1,7")).toEqual([1, 7]);
    expect(parseKinds(" 0 , 65535,7,7")).toEqual([0, 65_535, 7]);
    for (const bad of ["", "1,", "a", "65536", "-1", "1.5"]) {
      expect(() => parseKinds(bad), bad).toThrow(/kinds between 0 and 65535/);
    }
  });
});
