import { describe, expect, it } from "vitest";
import { unstorableTextReason } from "../../../src/models/text.js";

const NUL = "contains a NUL character (U+0000)";
const LONE = "contains a lone UTF-16 surrogate (not Unicode text)";

describe("unstorableTextReason", () => {
  it.each([
    ["", null],
    ["plain text, ünïcödé, 😀", null],
    ["tab\tand\ncontrols\u0001\u007f", null],
    ["a\u0000b", NUL],
    ["\u0000", NUL],
    ["lone \ud800 high", LONE],
    ["lone \udc00 low", LONE],
    ["reversed \ude00\ud83d", LONE],
  ])("%j: %s", (text, reason) => {
    expect(unstorableTextReason(text)).toBe(reason);
  });
});
