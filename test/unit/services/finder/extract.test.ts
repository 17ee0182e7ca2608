import { describe, expect, it } from "vitest";
import {
  extractUrls,
  MAX_JSON_BYTES,
  MAX_URLS_PER_EVENT,
  type ScannedEvent,
} from "../../../../src/services/finder/extract.js";

const PK = "a".repeat(64);
const ev = (e: Partial<ScannedEvent> & { kind: number }): ScannedEvent => ({
  tags: [],
  tagvalues: null,
  content: null,
  ...e,
});
const pairs = (e: ScannedEvent) => extractUrls(e).found.map((f) => [f.source, f.text]);

describe("extractUrls: every source", () => {
  const zapRequest = JSON.stringify({
    kind: 9734,
    tags: [
      ["p", PK],
      ["relays", "wss://zap-1.example", "wss://zap-2.example"],
    ],
  });
  const cases: [string, ScannedEvent, string[][]][] = [
    [
      "nip65: r tags of kind 10002 (with and without marker)",
      ev({
        kind: 10002,
        tags: [
          ["r", "wss://a.example"],
          ["r", "wss://b.example", "write"],
        ],
      }),
      [
        ["nip65", "wss://a.example"],
        ["nip65", "wss://b.example"],
      ],
    ],
    [
      "hint: index 2 of p, e and a tags of any kind",
      ev({
        kind: 1,
        tags: [
          ["p", PK, "wss://p.example"],
          ["e", PK, "wss://e.example", "reply"],
          ["a", `30023:${PK}:x`, "wss://a.example"],
          ["q", PK, "wss://q.example"],
        ],
      }),
      [
        ["hint", "wss://p.example"],
        ["hint", "wss://e.example"],
        ["hint", "wss://a.example"],
      ],
    ],
    [
      "hint slot holding a marker or a report reason is not a URL string",
      ev({
        kind: 1984,
        tags: [
          ["p", PK, "spam"],
          ["e", PK, "root"],
          ["p", PK, ""],
        ],
      }),
      [],
    ],
    [
      "kind3_content: keys of the legacy relay map",
      ev({
        kind: 3,
        tags: [["p", PK, "wss://hint.example"]],
        content: JSON.stringify({
          "wss://k1.example": { read: true, write: true },
          "wss://k2.example": {},
        }),
      }),
      [
        ["hint", "wss://hint.example"],
        ["kind3_content", "wss://k1.example"],
        ["kind3_content", "wss://k2.example"],
      ],
    ],
    [
      "kind2: content is a relay URL",
      ev({ kind: 2, content: " wss://rec.example " }),
      [["kind2", " wss://rec.example "]],
    ],
    [
      "tag: any single-letter tag value starting with ws(s)://",
      ev({
        kind: 1,
        tags: [
          ["r", "wss://in-note.example"],
          ["r", "https://web.example"],
          ["x", "ws://x.example"],
        ],
      }),
      [
        ["tag", "wss://in-note.example"],
        ["tag", "ws://x.example"],
      ],
    ],
    [
      "relays_tag: every value after index 0",
      ev({
        kind: 9734,
        tags: [["relays", "wss://r1.example", "wss://r2.example", "wss://r3.example"]],
      }),
      [
        ["relays_tag", "wss://r1.example"],
        ["relays_tag", "wss://r2.example"],
        ["relays_tag", "wss://r3.example"],
      ],
    ],
    [
      "relays_tag: inside the zap request of a kind 9735 receipt",
      ev({
        kind: 9735,
        tags: [
          ["p", PK],
          ["description", zapRequest],
        ],
      }),
      [
        ["relays_tag", "wss://zap-1.example"],
        ["relays_tag", "wss://zap-2.example"],
      ],
    ],
    [
      "nip66: d tag of kind 30166; a hex-pubkey d is skipped",
      ev({
        kind: 30166,
        tags: [
          ["d", "wss://monitored.example"],
          ["n", "clearnet"],
        ],
      }),
      [["nip66", "wss://monitored.example"]],
    ],
    ["nip66: hex pubkey d", ev({ kind: 30166, tags: [["d", PK]] }), []],
    [
      "d tags of other kinds count as tags only when they look like ws URLs",
      ev({
        kind: 30023,
        tags: [
          ["d", "my-article"],
          ["d", "wss://d.example"],
        ],
      }),
      [["tag", "wss://d.example"]],
    ],
  ];
  it.each(cases)("%s", (_name, event, expected) => {
    expect(pairs(event)).toEqual(expected);
  });
});

describe("extractUrls: lilbrotr (tagvalues only)", () => {
  const cases: [string, ScannedEvent, string[][]][] = [
    [
      "nip65",
      ev({ kind: 10002, tags: null, tagvalues: ["r:wss://a.example"] }),
      [["nip65", "wss://a.example"]],
    ],
    [
      "nip66",
      ev({ kind: 30166, tags: null, tagvalues: ["d:wss://m.example", "n:clearnet"] }),
      [["nip66", "wss://m.example"]],
    ],
    [
      "tag, and p values (no hint at index 2 in tagvalues)",
      ev({
        kind: 1,
        tags: null,
        tagvalues: [`p:${PK}`, "r:wss://t.example", "r:https://web.example"],
      }),
      [["tag", "wss://t.example"]],
    ],
    [
      "junk entries",
      ev({ kind: 1, tags: null, tagvalues: ["nocolon", ":wss://x.example", "ab:wss://y.example"] }),
      [],
    ],
    ["content is ignored when null", ev({ kind: 2, tags: null, tagvalues: [] }), []],
  ];
  it.each(cases)("%s", (_name, event, expected) => {
    expect(pairs(event)).toEqual(expected);
  });

  it("ignores tagvalues when tags are present (the full profile reads tags)", () => {
    expect(pairs(ev({ kind: 10002, tags: [], tagvalues: ["r:wss://a.example"] }))).toEqual([]);
  });
});

describe("extractUrls: hostile inputs", () => {
  it("caps one event at MAX_URLS_PER_EVENT and says so once", () => {
    const tags = Array.from({ length: 10_000 }, (_, i) => ["r", `wss://r${i}.example`]);
    const out = extractUrls(ev({ kind: 10002, tags }));
    expect(out.found).toHaveLength(MAX_URLS_PER_EVENT);
    expect(out.skipped).toEqual(["urls_capped"]);
  });

  it("caps a relays tag with 10,000 values", () => {
    const tag = ["relays", ...Array.from({ length: 10_000 }, (_, i) => `wss://z${i}.example`)];
    const out = extractUrls(ev({ kind: 9734, tags: [tag] }));
    expect(out.found).toHaveLength(MAX_URLS_PER_EVENT);
    expect(out.skipped).toEqual(["urls_capped"]);
  });

  it("skips tags and values that are not strings or arrays", () => {
    const tags = [
      null,
      42,
      "r",
      { r: "wss://obj.example" },
      [],
      [7, "wss://num-name.example"],
      ["r", 5],
      ["r", null],
      ["p", PK, 3],
      ["relays", 1, null, { x: 1 }, "wss://ok.example"],
    ];
    expect(pairs(ev({ kind: 10002, tags }))).toEqual([["relays_tag", "wss://ok.example"]]);
    expect(pairs(ev({ kind: 1, tags: { not: "an array" } }))).toEqual([]);
    expect(pairs(ev({ kind: 1, tags: "garbage" }))).toEqual([]);
  });

  const kind3: [string, string, string[]][] = [
    ["a JSON array", '["wss://a.example"]', ["content_not_object"]],
    ["a number", "42", ["content_not_object"]],
    ["null", "null", ["content_not_object"]],
    ["a JSON string", '"wss://a.example"', ["content_not_object"]],
    ["garbage", "{wss://a.example: yes", ["content_not_json"]],
    ["empty", "", []],
    ["blank", "   ", []],
  ];
  it.each(kind3)("kind 3 content that is %s yields nothing", (_name, content, skipped) => {
    const out = extractUrls(ev({ kind: 3, content }));
    expect(out.found).toEqual([]);
    expect(out.skipped).toEqual(skipped);
  });

  it("does not JSON.parse kind 3 content over the size limit", () => {
    const big = JSON.stringify({ "wss://a.example": {}, pad: "x".repeat(MAX_JSON_BYTES) });
    expect(extractUrls(ev({ kind: 3, content: big }))).toEqual({
      found: [],
      skipped: ["content_too_large"],
    });
    expect(extractUrls(ev({ kind: 3, contentTooLarge: true }))).toEqual({
      found: [],
      skipped: ["content_too_large"],
    });
  });

  it("cuts a huge string before sanitising (still too long to pass)", () => {
    const out = extractUrls(ev({ kind: 2, content: `wss://${"a".repeat(5_000_000)}.example` }));
    expect(out.found).toHaveLength(1);
    expect(out.found[0]!.text.length).toBe(4096);
  });

  it("passes URLs with credentials through to the sanitiser (which rejects them)", () => {
    expect(pairs(ev({ kind: 10002, tags: [["r", "wss://user:pw@a.example"]] }))).toEqual([
      ["nip65", "wss://user:pw@a.example"],
    ]);
  });

  it("ignores a zap description that is not JSON", () => {
    const out = extractUrls(ev({ kind: 9735, tags: [["description", "not json"]] }));
    expect(out).toEqual({ found: [], skipped: ["content_not_json"] });
  });
});
