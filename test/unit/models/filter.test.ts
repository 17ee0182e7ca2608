import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../src/models/event-types.js";
import {
  type Filter,
  matchFilter,
  matchFilters,
  validateFilter,
} from "../../../src/models/filter.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

const ev: NostrEvent = {
  id: A,
  pubkey: B,
  created_at: 1000,
  kind: 1,
  tags: [["e", C, "wss://r.example.com"], ["t", "nostr"], ["p"], ["alt", "x"]],
  content: "hi",
  sig: "f".repeat(128),
};

describe("matchFilter", () => {
  it.each<[string, Filter, boolean]>([
    ["empty filter", {}, true],
    ["ids hit", { ids: [B, A] }, true],
    ["ids miss", { ids: [B] }, false],
    ["ids empty matches nothing", { ids: [] }, false],
    ["authors hit", { authors: [B] }, true],
    ["authors miss", { authors: [A] }, false],
    ["kinds hit", { kinds: [0, 1] }, true],
    ["kinds miss", { kinds: [7] }, false],
    ["since inclusive", { since: 1000 }, true],
    ["since after", { since: 1001 }, false],
    ["until inclusive", { until: 1000 }, true],
    ["until before", { until: 999 }, false],
    ["since = until = created_at", { since: 1000, until: 1000 }, true],
    ["#e hit", { "#e": [C] }, true],
    ["#e miss", { "#e": [A] }, false],
    ["#t hit among several", { "#t": ["bitcoin", "nostr"] }, true],
    ["#p tag without value never matches", { "#p": [""] }, false],
    ["#x absent tag", { "#x": ["nostr"] }, false],
    ["tag value must be at index 1", { "#e": ["wss://r.example.com"] }, false],
    ["AND of attributes, all hit", { kinds: [1], authors: [B], "#t": ["nostr"] }, true],
    ["AND of attributes, one misses", { kinds: [1], authors: [B], "#t": ["other"] }, false],
    ["limit is ignored", { limit: 0 }, true],
  ])("%s", (_name, filter, expected) => {
    expect(matchFilter(filter, ev)).toBe(expected);
  });

  it("matchFilters ORs filters", () => {
    expect(matchFilters([{ kinds: [7] }, { authors: [B] }], ev)).toBe(true);
    expect(matchFilters([{ kinds: [7] }, { authors: [A] }], ev)).toBe(false);
    expect(matchFilters([], ev)).toBe(false);
  });
});

describe("validateFilter", () => {
  it.each([
    [{}],
    [{ ids: [A], authors: [B], kinds: [0, 65535] }],
    [{ since: 0, until: 2000000000, limit: 500 }],
    [{ "#e": [C], "#T": ["PublicInbox"], "#d": [""] }],
  ])("accepts %j and copies it", (raw) => {
    const r = validateFilter(raw);
    expect(r).toEqual({ ok: true, filter: raw });
    if (r.ok) expect(r.filter).not.toBe(raw);
  });

  it.each([
    [null, "filter is not an object"],
    [[], "filter is not an object"],
    [{ ids: A }, "ids must be an array"],
    [{ ids: [A.toUpperCase()] }, "ids must be an array of 64 lowercase hex"],
    [{ authors: ["abcd"] }, "authors must be an array of 64 lowercase hex"],
    [{ kinds: [1.5] }, "kinds must be an array of integers"],
    [{ kinds: [-1] }, "kinds must be an array of integers"],
    [{ kinds: [65536] }, "kinds must be an array of integers"],
    [{ kinds: ["1"] }, "kinds must be an array of integers"],
    [{ since: -1 }, "since must be a non-negative integer"],
    [{ until: 1.5 }, "until must be a non-negative integer"],
    [{ limit: "10" }, "limit must be a non-negative integer"],
    [{ "#e": "x" }, "#e must be an array of strings"],
    [{ "#e": [1] }, "#e must be an array of strings"],
    [{ "#emoji": ["x"] }, 'unknown filter key "#emoji"'],
    [{ "#1": ["x"] }, 'unknown filter key "#1"'],
    [{ search: "x" }, 'unknown filter key "search"'],
  ])("rejects %j", (raw, reason) => {
    const r = validateFilter(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.startsWith(`invalid: ${reason}`)).toBe(true);
  });
});
