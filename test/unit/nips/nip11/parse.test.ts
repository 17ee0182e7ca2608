import { describe, expect, it } from "vitest";
import { MAX_STRING_LENGTH, parseNip11 } from "../../../../src/nips/nip11/parse.js";

const PK = "a".repeat(64);

describe("parseNip11", () => {
  it("keeps a well-formed document", () => {
    const doc = {
      name: "relay",
      description: "d",
      pubkey: PK.toUpperCase(),
      self: PK,
      contact: "mailto:x@y",
      supported_nips: [1, 11, 42],
      software: "https://example.com",
      version: "1.0",
      limitation: { max_limit: 500, auth_required: false, created_at_lower_limit: -5 },
      fees: {
        admission: [{ amount: 1000, unit: "msats" }],
        publication: [{ amount: 1, unit: "sats", kinds: [1] }],
      },
      retention: [
        { kinds: [0, [10000, 19999]], time: null },
        { time: 3600, count: 10 },
      ],
      relay_countries: ["DE", "*"],
      language_tags: ["en"],
      tags: ["sfw-only"],
      posting_policy: "https://example.com/p",
      privacy_policy: "https://example.com/pp",
    };
    const { data, notes } = parseNip11(doc);
    expect(notes).toEqual([]);
    expect(data).toEqual({ ...doc, pubkey: PK });
  });

  it("accepts numeric strings in supported_nips, sorts and de-duplicates", () => {
    const { data, notes } = parseNip11({ supported_nips: [42, "11", 1, 11, "x", 1.5, -1, null] });
    expect(data.supported_nips).toEqual([1, 11, 42]);
    expect(notes).toEqual(["supported_nips: 4 invalid item(s) dropped"]);
  });

  it("drops wrong types field by field with notes", () => {
    const { data, notes } = parseNip11({
      name: 42,
      description: ["a"],
      pubkey: "npub1xyz",
      supported_nips: "1,2",
      limitation: {
        max_limit: "500",
        auth_required: "yes",
        max_subscriptions: 20,
        default_limit: 1.5,
      },
      fees: [],
    });
    expect(data).toEqual({ limitation: { max_subscriptions: 20 } });
    expect(notes).toEqual([
      "name: expected string, dropped",
      "description: expected string, dropped",
      "pubkey: expected 64-char hex, dropped",
      "supported_nips: expected array, dropped",
      "limitation.max_limit: expected non-negative integer, dropped",
      "limitation.default_limit: expected non-negative integer, dropped",
      "limitation.auth_required: expected boolean, dropped",
      "fees: expected object, dropped",
    ]);
  });

  it.each([[[]], [null], ["string"], [42], [[{ name: "x" }]]])("refuses a non-object %j", (raw) => {
    expect(parseNip11(raw)).toEqual({ data: {}, notes: ["document is not a JSON object"] });
  });

  it("drops huge strings and cuts huge lists", () => {
    const { data, notes } = parseNip11({
      name: "x".repeat(MAX_STRING_LENGTH + 1),
      tags: Array.from({ length: 5000 }, () => "t"),
    });
    expect(data.name).toBeUndefined();
    expect(data.tags).toHaveLength(1024);
    expect(notes).toEqual(["name: expected string, dropped", "tags: more than 1024 items, cut"]);
  });

  it("drops text PostgreSQL cannot store (NUL, lone surrogates) like a wrong type", () => {
    const { data, notes } = parseNip11({
      name: "a\u0000b",
      description: "lone \ud800",
      software: "ok",
      relay_countries: ["DE", "U\u0000S"],
      fees: { admission: [{ amount: 1, unit: "sat\u0000" }] },
    });
    expect(data).toEqual({ software: "ok", relay_countries: ["DE"], fees: { admission: [] } });
    expect(notes).toEqual([
      "name: expected string, dropped",
      "description: expected string, dropped",
      "fees.admission: 1 invalid item(s) dropped",
      "relay_countries: 1 invalid item(s) dropped",
    ]);
  });

  it("survives nested garbage", () => {
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 1000; i++) {
      cursor.x = {};
      cursor = cursor.x as Record<string, unknown>;
    }
    const { data } = parseNip11({
      limitation: deep,
      fees: {
        admission: [
          1,
          "x",
          { amount: "1", unit: "msats" },
          { amount: 5, unit: "msats", period: -1 },
        ],
      },
      retention: [[1, 2], { kinds: "all", time: "forever", count: 3 }],
      relay_countries: [1, { a: 1 }, "US"],
      __proto__: { polluted: true },
      constructor: "x",
    });
    expect(data.limitation).toEqual({});
    expect(data.fees).toEqual({ admission: [{ amount: 5, unit: "msats" }] });
    expect(data.retention).toEqual([{ count: 3 }]);
    expect(data.relay_countries).toEqual(["US"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("treats null as absent and ignores unknown fields", () => {
    expect(parseNip11({ icon: null, banner: undefined, unknown: 1, limitation: null })).toEqual({
      data: {},
      notes: [],
    });
  });

  it("parses a __proto__ key from JSON without pollution", () => {
    const raw = JSON.parse('{"__proto__":{"name":"evil"},"name":"ok"}');
    expect(parseNip11(raw).data).toEqual({ name: "ok" });
  });
});
