import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  computeEventId,
  hasLoneSurrogate,
  hasNulChar,
  hasValidId,
  idMatch,
  type NostrEvent,
  serializeEvent,
  tagValues,
  unstorableReason,
  validateEvent,
} from "../../../src/models/event.js";

const PK = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
const ZERO64 = "0".repeat(64);
const SIG = "f".repeat(128);
const sha = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

function event(fields: Partial<NostrEvent>): NostrEvent {
  return {
    id: ZERO64,
    pubkey: PK,
    created_at: 1700000000,
    kind: 1,
    tags: [],
    content: "",
    sig: SIG,
    ...fields,
  };
}

describe("serializeEvent / computeEventId (expected values written by hand)", () => {
  it("matches a hash computed by python3 hashlib over the hand-written array", () => {
    const ev = event({
      tags: [
        ["e", ZERO64],
        ["t", "nostr"],
      ],
      content: "hello world",
    });
    const expected = `[0,"${PK}",1700000000,1,[["e","${ZERO64}"],["t","nostr"]],"hello world"]`;
    expect(serializeEvent(ev)).toBe(expected);
    // literal from: python3 -c 'import hashlib; print(hashlib.sha256(s.encode()).hexdigest())'
    expect(computeEventId(ev)).toBe(
      "acb51b8ff3f063345912e3aec661529d9e4c2f955134b39b4c7a47c3446f04f7",
    );
  });

  it("writes non-ASCII verbatim (python3 literal)", () => {
    const ev = event({ content: 'héllo 😀 日本\n"q"' });
    expect(computeEventId(ev)).toBe(
      "d5f0f2d077786956a78649be570fa807fb03a4606b8443dd0c4693d3c529b8c5",
    );
  });

  it.each([
    ["LF", "a\nb", String.raw`a\nb`],
    ["CR", "a\rb", String.raw`a\rb`],
    ["TAB", "a\tb", String.raw`a\tb`],
    ["BS", "a\bb", String.raw`a\bb`],
    ["FF", "a\fb", String.raw`a\fb`],
    ["quote", 'a"b', String.raw`a\"b`],
    ["backslash", "a\\b", String.raw`a\\b`],
    ["U+0001 verbatim", "a\u0001b", "a\u0001b"],
    ["U+000B verbatim", "a\u000bb", "a\u000bb"],
    ["U+001F verbatim", "a\u001fb", "a\u001fb"],
    ["DEL verbatim", "a\u007fb", "a\u007fb"],
    ["U+2028 verbatim", "a\u2028b", "a\u2028b"],
    ["slash not escaped", "a/b", "a/b"],
  ])("escapes %s as NIP-01 says", (_name, content, written) => {
    const ev = event({ kind: 7, tags: [["x", content]], content });
    const expected = `[0,"${PK}",1700000000,7,[["x","${written}"]],"${written}"]`;
    expect(serializeEvent(ev)).toBe(expected);
    expect(computeEventId(ev)).toBe(sha(expected));
  });
});

describe("idMatch: strict or JSON.stringify form", () => {
  const strictFor = (content: string) => `[0,"${PK}",1700000000,1,[],"${content}"]`;

  it("plain events match the strict form", () => {
    const id = sha(strictFor("gm"));
    expect(idMatch(event({ id, content: "gm" }))).toBe("strict");
    expect(hasValidId(event({ id, content: "gm" }))).toBe(true);
  });

  it("a C0 control character: both forms are accepted and told apart", () => {
    const strictId = sha(strictFor("a\u0001b"));
    const jsonId = sha(String.raw`[0,"${PK}",1700000000,1,[],"a\u0001b"]`);
    expect(strictId).not.toBe(jsonId);
    expect(idMatch(event({ id: strictId, content: "a\u0001b" }))).toBe("strict");
    expect(idMatch(event({ id: jsonId, content: "a\u0001b" }))).toBe("json-stringify");
    expect(hasValidId(event({ id: strictId, content: "a\u0001b" }))).toBe(true);
    expect(hasValidId(event({ id: jsonId, content: "a\u0001b" }))).toBe(true);
  });

  it("a lone surrogate: strict hashes U+FFFD bytes, JSON form hashes the escape", () => {
    const head = Buffer.from(`[0,"${PK}",1700000000,1,[],"`, "utf8");
    const strictBytes = Buffer.concat([head, Buffer.from([0xef, 0xbf, 0xbd]), Buffer.from('x"]')]);
    const jsonId = sha(String.raw`[0,"${PK}",1700000000,1,[],"\ud800x"]`);
    expect(idMatch(event({ id: sha(strictBytes), content: "\ud800x" }))).toBe("strict");
    expect(idMatch(event({ id: jsonId, content: "\ud800x" }))).toBe("json-stringify");
    expect(hasValidId(event({ id: sha(strictBytes), content: "\ud800x" }))).toBe(true);
    expect(hasValidId(event({ id: jsonId, content: "\ud800x" }))).toBe(true);
  });

  it.each([
    ["wrong id", event({ id: ZERO64, content: "gm" })],
    ["content changed", event({ id: sha(strictFor("gm")), content: "gn" })],
    ["control char, wrong id", event({ id: ZERO64, content: "a\u0002" })],
  ])("rejects %s", (_name, ev) => {
    expect(idMatch(ev)).toBeNull();
    expect(hasValidId(ev)).toBe(false);
  });
});

describe("validateEvent", () => {
  it("copies the tags unless the caller owns the parsed object", () => {
    const raw = JSON.parse(JSON.stringify(event({ tags: [["t", "a"]] }))) as NostrEvent;
    const copied = validateEvent(raw);
    const owned = validateEvent(raw, { owned: true });
    if (!copied.ok || !owned.ok) throw new Error("expected valid");
    expect(copied.event.tags).toEqual(raw.tags);
    expect(copied.event.tags).not.toBe(raw.tags);
    expect(copied.event.tags[0]).not.toBe(raw.tags[0]);
    expect(owned.event.tags).toBe(raw.tags);
    expect(owned.event).not.toBe(raw); // still a fresh object of the seven fields
  });

  const good = event({ tags: [["p", PK, "wss://r.example.com"]], content: "hi" });

  it("accepts a well-formed event and copies only NIP-01 fields", () => {
    const r = validateEvent({ ...good, extra: 1 });
    expect(r).toEqual({ ok: true, event: good });
    if (r.ok) expect(r.event.tags).not.toBe(good.tags);
  });

  it.each([
    ["created_at 0", { created_at: 0 }],
    ["created_at 2^53", { created_at: 2 ** 53 }],
    ["kind 0", { kind: 0 }],
    ["kind 65535", { kind: 65535 }],
    ["NUL in content (storage decides)", { content: "a\u0000b" }],
    ["empty tags", { tags: [] }],
  ])("accepts %s", (_name, patch) => {
    expect(validateEvent({ ...good, ...patch }).ok).toBe(true);
  });

  it.each([
    ["null", null, "event is not an object"],
    ["array", [], "event is not an object"],
    ["string", "{}", "event is not an object"],
    ["id uppercase", { ...good, id: "A".repeat(64) }, "invalid: id is not 64 lowercase hex"],
    ["id short", { ...good, id: "a".repeat(63) }, "invalid: id is not 64 lowercase hex"],
    ["id missing", { ...good, id: undefined }, "invalid: id is not 64 lowercase hex"],
    ["pubkey npub", { ...good, pubkey: "npub1xyz" }, "invalid: pubkey is not 64 lowercase hex"],
    ["sig short", { ...good, sig: "f".repeat(64) }, "invalid: sig is not 128 lowercase hex"],
    ["created_at float", { ...good, created_at: 1.5 }, "invalid: created_at"],
    ["created_at negative", { ...good, created_at: -1 }, "invalid: created_at"],
    ["created_at string", { ...good, created_at: "1700000000" }, "invalid: created_at"],
    ["created_at > 2^53", { ...good, created_at: 2 ** 53 + 2 }, "invalid: created_at"],
    ["kind 65536", { ...good, kind: 65536 }, "invalid: kind"],
    ["kind -1", { ...good, kind: -1 }, "invalid: kind"],
    ["kind NaN", { ...good, kind: Number.NaN }, "invalid: kind"],
    ["tags object", { ...good, tags: {} }, "invalid: tags"],
    ["tag empty", { ...good, tags: [[]] }, "invalid: tags"],
    ["tag number", { ...good, tags: [["e", 1]] }, "invalid: tags"],
    ["tag not array", { ...good, tags: ["e"] }, "invalid: tags"],
    ["content null", { ...good, content: null }, "invalid: content is not a string"],
  ])("rejects %s", (_name, raw, reason) => {
    const r = validateEvent(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});

describe("unstorable events", () => {
  it.each([
    [event({ content: "a\u0000" }), "unstorable: NUL character"],
    [event({ tags: [["t", "x\u0000"]] }), "unstorable: NUL character"],
    [event({ content: "\ud83d" }), "unstorable: lone surrogate"],
    [event({ tags: [["t", "\ude00x"]] }), "unstorable: lone surrogate"],
    [event({ content: "😀 fine" }), null],
    [event({ content: "\u0001 fine" }), null],
  ])("%#", (ev, reason) => {
    expect(unstorableReason(ev)).toBe(reason);
  });

  it("hasNulChar and hasLoneSurrogate", () => {
    expect(hasNulChar(event({ content: "\u0000" }))).toBe(true);
    expect(hasNulChar(event({ content: "0" }))).toBe(false);
    expect(hasLoneSurrogate(event({ content: "\ud83d\ude00" }))).toBe(false);
    expect(hasLoneSurrogate(event({ content: "a\ud83d" }))).toBe(true);
  });
});

describe("tagValues", () => {
  const long = "x".repeat(1025);
  const limit = "x".repeat(1024);
  it.each([
    [
      "single-letter tags",
      [
        ["e", "a"],
        ["p", "b"],
      ],
      ["e:a", "p:b"],
    ],
    [
      "multi-letter names skipped",
      [
        ["alt", "x"],
        ["t", "y"],
      ],
      ["t:y"],
    ],
    ["tag without value skipped", [["t"], ["t", ""]], ["t:"]],
    ["only index 1 used", [["e", "a", "wss://x.example.com", "root"]], ["e:a"]],
    [
      "duplicates removed",
      [
        ["t", "a"],
        ["t", "a"],
        ["t", "b"],
      ],
      ["t:a", "t:b"],
    ],
    [
      "upper case kept distinct",
      [
        ["t", "a"],
        ["T", "a"],
      ],
      ["t:a", "T:a"],
    ],
    ["astral one-char name", [["😀", "v"]], ["😀:v"]],
    [
      "value over 1024 bytes skipped",
      [
        ["d", long],
        ["t", "a"],
      ],
      ["t:a"],
    ],
    ["value at 1024 bytes kept", [["d", limit]], [`d:${limit}`]],
    ["multibyte counted in bytes", [["d", "é".repeat(513)]], []],
    ["empty name skipped", [["", "v"]], []],
  ])("%s", (_name, tags, expected) => {
    expect(tagValues(tags)).toEqual(expected);
  });
});
