import { describe, expect, it } from "vitest";
import { storableText, unstorableTextReason } from "../../../src/models/text.js";

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

describe("storableText", () => {
  it.each([
    ["plain 😀", "plain 😀"],
    ["a\u0000b\u0000", "a\ufffdb\ufffd"],
    ["x\ud800y\udc00z", "x\ufffdy\ufffdz"],
    ["pair \ud83d\ude00 kept", "pair 😀 kept"],
  ])("%j -> %j", (text, storable) => {
    expect(storableText(text)).toBe(storable);
    expect(unstorableTextReason(storableText(text))).toBeNull();
  });
});
