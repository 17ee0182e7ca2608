import { describe, expect, it } from "vitest";
import { evaluateJsonPath, parseJsonPath } from "../../../../src/services/finder/json-path.js";

function select(expression: string, document: unknown, limit = 1000): unknown[] {
  const parsed = parseJsonPath(expression);
  if (!parsed.ok) throw new Error(parsed.error);
  return evaluateJsonPath(parsed.path, document, limit);
}

describe("parseJsonPath", () => {
  const valid: [string, unknown][] = [
    ["$", []],
    ["$[*]", [{ kind: "wildcard" }]],
    ["$.relays[*]", [{ kind: "member", name: "relays" }, { kind: "wildcard" }]],
    [
      "$.data[*].url",
      [{ kind: "member", name: "data" }, { kind: "wildcard" }, { kind: "member", name: "url" }],
    ],
    [
      '$["odd key"][0]',
      [
        { kind: "member", name: "odd key" },
        { kind: "index", index: 0 },
      ],
    ],
    ["$.*.url", [{ kind: "wildcard" }, { kind: "member", name: "url" }]],
    ["$.a_b-c", [{ kind: "member", name: "a_b-c" }]],
  ];
  it.each(valid)("accepts %s", (expression, path) => {
    expect(parseJsonPath(expression)).toEqual({ ok: true, path });
  });

  const invalid: [string, RegExp][] = [
    ["", /start with "\$"/],
    ["[*]", /start with "\$"/],
    ["relays[*]", /start with "\$"/],
    ["$..url", /member name after "\."/],
    ["$.", /member name after "\."/],
    ["$[?(@.up)]", /unsupported syntax/],
    ["$[0:2]", /unsupported syntax/],
    ["$[-1]", /unsupported syntax/],
    ["$[01]", /unsupported syntax/],
    ["$['single']", /unsupported syntax/],
    ["$.a,b", /unsupported syntax/],
    [`$${".a".repeat(17)}`, /more than 16 steps/],
    [`$.${"a".repeat(300)}`, /longer than 256/],
  ];
  it.each(invalid)("rejects %j", (expression, error) => {
    const parsed = parseJsonPath(expression);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });
});

describe("evaluateJsonPath", () => {
  const doc = {
    relays: ["wss://a", "wss://b", 3, null],
    data: [{ url: "wss://c" }, { url: 7 }, { other: "x" }, "str"],
    byName: { one: { url: "wss://d" }, two: { url: "wss://e" } },
  };
  const cases: [string, unknown, unknown[]][] = [
    ["$[*]", ["wss://a", { x: 1 }], ["wss://a", { x: 1 }]],
    ["$", "wss://root", ["wss://root"]],
    ["$.relays[*]", doc, ["wss://a", "wss://b", 3, null]],
    ["$.relays[1]", doc, ["wss://b"]],
    ["$.relays[9]", doc, []],
    ["$.data[*].url", doc, ["wss://c", 7]],
    ["$.byName.*.url", doc, ["wss://d", "wss://e"]],
    ["$.missing[*]", doc, []],
    ["$[*]", { a: "wss://x" }, ["wss://x"]],
    ["$.relays", [1, 2], []],
    ["$.constructor", {}, []],
  ];
  it.each(cases)("%s", (expression, document, expected) => {
    expect(select(expression, document)).toEqual(expected);
  });

  it("stops at the limit, even on a huge array", () => {
    const big = Array.from({ length: 200_000 }, (_, i) => `wss://r${i}`);
    expect(select("$[*]", big, 10)).toHaveLength(10);
    expect(select("$[*]", big, 400_000)).toHaveLength(200_000);
  });
});
