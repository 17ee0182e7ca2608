import { describe, expect, it } from "vitest";
import {
  buildMetadata,
  CanonicalJsonError,
  canonicalJson,
  compareCodePoints,
  Float,
  formatPythonFloat,
  metadataId,
  sanitizeForCanonical,
} from "../../../src/models/metadata.js";

// Expected strings and SHA-256 hex were computed independently on this machine with
//   python3: json.dumps(sanitize(v), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
//   and hashlib.sha256(s.encode()).hexdigest()
// where sanitize drops None / {} / [] / non-finite floats recursively (spec §1.5).
const PYTHON_VECTORS: [string, unknown, string, string][] = [
  [
    "sorted keys",
    { b: 2, a: 1 },
    '{"a":1,"b":2}',
    "43258cff783fe7036d8a43033f830adfc60ec037382473548ac742b888292777",
  ],
  [
    "nulls and empty containers dropped",
    {
      data: { rtt_open: 120, rtt_read: null, tags: [], nested: { x: null } },
      logs: { open_success: true, reason: null },
    },
    '{"data":{"rtt_open":120},"logs":{"open_success":true}}',
    "1731fca380ffbffed16dfe45c6f01b1d01edeec0d99fb652d232921147f90319",
  ],
  [
    "floats, raw UTF-8, NaN dropped",
    {
      name: "Relay ☕",
      ratio: new Float(1),
      tiny: 1e-7,
      big: new Float(1.5e16), // a plain 1.5e16 is an integer in JS: see "numbers"
      neg: -2.5e-10,
      zero: new Float(-0),
      nan: Number.NaN,
    },
    '{"big":1.5e+16,"name":"Relay ☕","neg":-2.5e-10,"ratio":1.0,"tiny":1e-07,"zero":-0.0}',
    "9ad1bd336e93db215d770f6387872cf7bec046e7343be1436bca736d5e83d177",
  ],
  [
    "keys in code point order (U+FB01 before U+1F600)",
    { "😀": 1, "\ufb01": 2, a: 3 },
    '{"a":3,"ﬁ":2,"😀":1}',
    "33f5d1c123f4535cd0747a3955dbe72e04fe394e3ca3fe70cc20b7195aa140e3",
  ],
  [
    "integers exact, Float(1e22) in exponent form, arrays cleaned",
    { int: 1e22, float: new Float(1e22), list: [1, null, [2, []], {}, "x"] },
    '{"float":1e+22,"int":10000000000000000000000,"list":[1,[2],"x"]}',
    "066f5bced1bb251e3dd5aceafa95bb5475c5a0167985a87cfcc9d29e4a5fa659",
  ],
  [
    "string escapes",
    { s: 'tab\t nl\n quote" back\\ ctl\u0001 del\u007f ü 😀 \u2028 /' },
    '{"s":"tab\\t nl\\n quote\\" back\\\\ ctl\\u0001 del\u007f ü 😀 \u2028 /"}',
    "6ff6df7ad769ff3c570c142de6c3cada3c6137cb5dcd3ab79ce3deae7679aeb5",
  ],
  [
    "everything dropped leaves the top-level object",
    { a: null, b: [null, [], {}], c: undefined },
    "{}",
    "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  ],
  [
    "the float vectors of the brief",
    { a: [0.1, 1.5, 1e-7, new Float(1.5e16), 123456789.123, new Float(1e22), -2.5e-10] },
    '{"a":[0.1,1.5,1e-07,1.5e+16,123456789.123,1e+22,-2.5e-10]}',
    "000104bb198d410bdd64168bc4a8c7c37a6a8a5e83a444e9fd82eeabc626dc3f",
  ],
];

describe("canonicalJson and metadataId match Python", () => {
  it.each(PYTHON_VECTORS)("%s", (_name, value, json, sha) => {
    expect(canonicalJson(value)).toBe(json);
    expect(metadataId(value).toString("hex")).toBe(sha);
    expect(metadataId(value)).toHaveLength(32);
  });

  it("buildMetadata stores the canonical string and hashes data only", () => {
    const m = buildMetadata("nip66_rtt", { b: 2, a: 1 });
    expect(m).toEqual({ id: metadataId({ a: 1, b: 2 }), type: "nip66_rtt", data: '{"a":1,"b":2}' });
    expect(buildMetadata("nip11_info", { a: 1, b: 2 }).id).toEqual(m.id);
  });
});

describe("formatPythonFloat (expected = python3 repr)", () => {
  it.each([
    [0.1, "0.1"],
    [1.5, "1.5"],
    [1e-7, "1e-07"],
    [1.5e16, "1.5e+16"],
    [123456789.123, "123456789.123"],
    [1e22, "1e+22"],
    [-2.5e-10, "-2.5e-10"],
    [1, "1.0"],
    [-0, "-0.0"],
    [0, "0.0"],
    [100, "100.0"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [2 ** 53, "9007199254740992.0"],
    [1e-4, "0.0001"],
    [1e-5, "1e-05"],
    [-1e-5, "-1e-05"],
    [2.5e-5, "2.5e-05"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [0.1 + 0.2, "0.30000000000000004"],
    [Number("1234567890123456.7"), "1234567890123456.8"],
    [Number("12345678901234567"), "1.2345678901234568e+16"],
    [1e21, "1e+21"],
  ])("%d → %s", (x, expected) => {
    expect(formatPythonFloat(x)).toBe(expected);
  });

  it("refuses non-finite values", () => {
    expect(() => formatPythonFloat(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe("numbers", () => {
  it.each<[unknown, string]>([
    [1, "1"],
    [-0, "0"],
    [-42, "-42"],
    [2 ** 53, "9007199254740992"],
    [1e21, "1000000000000000000000"],
    [1.5e16, "15000000000000000"],
    [123456789012345678901234567890n, "123456789012345678901234567890"],
    [new Float(1), "1.0"],
    [new Float(1e21), "1e+21"],
    [0.5, "0.5"],
    [true, "true"],
    [false, "false"],
  ])("%s", (value, json) => {
    expect(canonicalJson([value])).toBe(`[${json}]`);
  });
});

describe("sanitizeForCanonical", () => {
  it.each<[string, unknown, string]>([
    ["undefined and functions dropped", { a: undefined, f: () => 1, k: 1 }, '{"k":1}'],
    ["Infinity dropped", { a: Number.POSITIVE_INFINITY, b: [Number.NaN] }, "{}"],
    ["Float(NaN) dropped", { a: new Float(Number.NaN), k: 1 }, '{"k":1}'],
    ["unknown types dropped", { d: new Date(0), m: new Map(), s: Symbol("x"), k: 1 }, '{"k":1}'],
    ["class instance dropped", { c: new (class Foo {})(), k: 1 }, '{"k":1}'],
    [
      "null-prototype object kept",
      { o: Object.assign(Object.create(null), { x: 1 }) },
      '{"o":{"x":1}}',
    ],
    // python3 json.dumps(sort_keys=True) gives the same order for integer-like keys
    [
      "integer-like keys sorted as strings",
      { "10": 1, "2": 2, "1": 3, B: 4, a: 5 },
      '{"1":3,"10":1,"2":2,"B":4,"a":5}',
    ],
    ["top-level null", null, "null"],
    ["top-level empty array", [], "[]"],
    ["top-level string", "a", '"a"'],
  ])("%s", (_name, value, json) => {
    expect(canonicalJson(value)).toBe(json);
  });

  it("does not mutate its input", () => {
    const input = { b: [1, null], a: { x: null } };
    sanitizeForCanonical(input);
    expect(input).toEqual({ b: [1, null], a: { x: null } });
  });

  it.each<[string, unknown, string]>([
    ["NUL in a value", { data: { tags: ["ok", "a\u0000"] } }, "$.data.tags[1]"],
    ["NUL in a key", { data: { "k\u0000": 1 } }, '$.data["k\\u0000"]'],
    ["lone surrogate", { s: "\ud800" }, "$.s"],
  ])("throws CanonicalJsonError with the path: %s", (_name, value, path) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
    try {
      canonicalJson(value);
    } catch (err) {
      expect((err as CanonicalJsonError).path).toBe(path);
    }
  });

  it("caps nesting at depth 50", () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : { a: nest(n - 1) });
    expect(canonicalJson(nest(50))).toBe(`${'{"a":'.repeat(50)}1${"}".repeat(50)}`);
    expect(() => canonicalJson(nest(51))).toThrow(/nesting deeper than 50/);
  });
});

describe("compareCodePoints", () => {
  it("orders an astral key after a BMP key above U+D800 (JS default sort does not)", () => {
    const keys = ["😀", "\ufb01", "z"];
    expect([...keys].sort()).toEqual(["z", "😀", "\ufb01"]);
    expect([...keys].sort(compareCodePoints)).toEqual(["z", "\ufb01", "😀"]);
  });

  it.each([
    ["a", "b", -1],
    ["ab", "a", 1],
    ["", "", 0],
    ["\uffff", "\u{10000}", -1],
    ["\u{10000}", "\u{10001}", -1],
    ["\ud7ff", "\u{10000}", -1],
  ])("%j vs %j", (a, b, sign) => {
    expect(Math.sign(compareCodePoints(a, b))).toBe(sign);
  });
});
