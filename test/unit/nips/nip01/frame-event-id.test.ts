/**
 * frame-event-id.ts against the full path as the oracle: for every frame, whatever form its
 * text takes, the hash input read from the text is either refused (undefined) or exactly the
 * parsed event's serializeEventJson, and the id verdict equals hasValidId's.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  hasValidId,
  type NostrEvent,
  serializeEvent,
  serializeEventJson,
  validateEvent,
} from "../../../../src/models/event.js";
import { frameEventId, frameIdInput } from "../../../../src/nips/nip01/frame-event-id.js";
import { parseRelayMessage } from "../../../../src/nips/nip01/messages.js";
import { seeded } from "../../../support/random-archive.js";

const PK = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
const SIG = "f".repeat(128);
const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** The full path's verdict on a frame: the parsed event, or null when it is not one. */
function parsedEvent(frame: string): NostrEvent | null {
  const parsed = parseRelayMessage(frame);
  if (!parsed.ok || parsed.message.type !== "EVENT") return null;
  const checked = validateEvent(parsed.message.event);
  return checked.ok ? checked.event : null;
}

/** Asserts the oracle property on one frame; returns whether the text path answered. */
function agrees(frame: string): boolean {
  const input = frameIdInput(frame);
  const ev = parsedEvent(frame);
  if (input === undefined) return false;
  if (ev === null) return true; // the caller never asks for an event it refused
  expect(input).toBe(serializeEventJson(ev));
  expect(frameEventId(frame) === ev.id).toBe(hasValidId(ev));
  return true;
}

function event(fields: Partial<NostrEvent>): NostrEvent {
  const base = { pubkey: PK, created_at: 1700000000, kind: 1, tags: [], content: "", sig: SIG };
  const ev = { id: "", ...base, ...fields };
  return { ...ev, id: fields.id ?? sha(serializeEventJson(ev)) };
}

const frameOf = (ev: unknown, sub = "s1") => JSON.stringify(["EVENT", sub, ev]);

/** A JSON string literal with some characters written as `\uXXXX` (or `\/`) escapes. */
function escapedLiteral(s: string, rnd: () => number, rate: number): string {
  let out = '"';
  for (const ch of s.split("")) {
    const code = ch.charCodeAt(0);
    if (rnd() < rate) out += ch === "/" ? "\\/" : `\\u${code.toString(16).padStart(4, "0")}`;
    else out += JSON.stringify(ch).slice(1, -1);
  }
  return `${out}"`;
}

/** Characters that JSON.stringify writes as-is or with a short escape. */
const PLAIN = [
  "a",
  "Z",
  " ",
  "/",
  '"',
  "\\",
  "\n",
  "\t",
  "\r",
  "\b",
  "\f",
  "\u007f",
  "é",
  "中",
  "\u2028",
  "😀",
  "\ufffd",
];
/** Characters it writes as \u escapes (the strict and JSON forms differ on them). */
const ODD = ["\u0000", "\u0001", "\u001f", "\ud800", "\udc00"];

function randomText(rnd: () => number, max: number): string {
  let s = "";
  const n = Math.floor(rnd() * max);
  for (let i = 0; i < n; i++) {
    const from = rnd() < 0.01 ? ODD : PLAIN;
    s += from[Math.floor(rnd() * from.length)];
  }
  return s;
}

/** Writes an event object as JSON text in one of several forms (most of them not canonical). */
function writeEvent(ev: NostrEvent, rnd: () => number): string {
  const form = Math.floor(rnd() * 6);
  const str = (s: string) => (form === 1 ? escapedLiteral(s, rnd, 0.2) : JSON.stringify(s));
  const space = form === 2 ? " " : "";
  const tags = `[${ev.tags.map((t) => `[${t.map(str).join(`,${space}`)}]`).join(",")}]`;
  const num = (n: number) => (form === 3 ? `${n / 1000}e3` : String(n));
  const fields: [string, string][] = [
    ["id", str(ev.id)],
    ["pubkey", str(ev.pubkey)],
    ["created_at", num(ev.created_at)],
    ["kind", num(ev.kind)],
    ["tags", tags],
    ["content", str(ev.content)],
    ["sig", str(ev.sig)],
  ];
  if (form === 4) fields.sort(() => rnd() - 0.5); // any key order is canonical
  if (form === 5) fields.unshift(["extra", `{"a":[1, 2.5, "x"],"b":null}`]);
  return `{${fields.map(([k, v]) => `"${k}":${space}${v}`).join(",")}}`;
}

describe("frameIdInput / frameEventId against the full path", () => {
  it("reads canonical frames (plain, unicode, escapes, emoji) and hashes them like hasValidId", () => {
    const evs = [
      event({}),
      event({ content: 'quote " backslash \\ newline \n tab \t cr \r bs \b ff \f', kind: 0 }),
      event({
        content: "é中😀\u2028\u007f",
        tags: [
          ["t", "nostr"],
          ["p", PK, "wss://x/", ""],
        ],
      }),
      event({ content: "wrong id", id: "0".repeat(64) }),
      event({ tags: [], created_at: 0, kind: 65535 }),
    ];
    for (const ev of evs) {
      expect(agrees(frameOf(ev))).toBe(true);
      expect(frameEventId(frameOf(ev)) === ev.id).toBe(hasValidId(ev));
    }
  });

  it("refuses what JSON.stringify would write otherwise", () => {
    const ev = event({ content: "a/b", tags: [["t", "x"]] });
    const canonical = frameOf(ev);
    const variants = [
      canonical.replace('"a/b"', '"a\\/b"'), // escaped solidus
      canonical.replace('"a/b"', '"\\u0061/b"'), // \u escape of a plain letter
      canonical.replace('[["t","x"]]', '[ ["t","x"] ]'), // whitespace in tags
      canonical.replace('[["t","x"]]', '[["t",\n"x"]]'),
      canonical.replace(`"kind":1`, `"kind":1.0`),
      canonical.replace(`"kind":1`, `"kind":1e0`),
      canonical.replace(`"created_at":1700000000`, `"created_at":01700000000`),
      canonical.replace('"pubkey"', '"pub\\u006bey"'), // escaped key
      canonical.replace('{"id"', '{"content":"other","id"'), // duplicate key
      canonical.replace('[["t","x"]]', '[["t",1]]'),
      frameOf({ ...ev, content: undefined }), // a field missing
      frameOf(event({ content: "lone \ud800 surrogate" })),
      frameOf(event({ content: "control \u0001" })),
    ];
    for (const frame of variants) {
      expect(frameIdInput(frame), frame).toBeUndefined();
      agrees(frame);
    }
    // Whitespace around the event's members and keys is no part of the hashed values.
    const spaced = `[ "EVENT" , "s" , { "content" : "a/b" , "tags" : [["t","x"]], "kind":1, "created_at":1700000000, "pubkey":"${PK}", "id":"${ev.id}", "sig":"${SIG}" } ]`;
    expect(agrees(spaced)).toBe(true);
    expect(frameEventId(spaced)).toBe(ev.id);
  });

  it("agrees with the full path on 3,000 random events in random textual forms", () => {
    const rnd = seeded(2112);
    let answered = 0;
    for (let i = 0; i < 3000; i++) {
      const tags = Array.from({ length: Math.floor(rnd() * 4) }, () =>
        Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => randomText(rnd, 6)),
      );
      const fields = { content: randomText(rnd, 40), tags, kind: Math.floor(rnd() * 40000) };
      let ev = event(fields);
      // Some ids are of the strict form (they differ on control characters), some wrong.
      const pick = rnd();
      if (pick < 0.2) ev = { ...ev, id: sha(serializeEvent(ev)) };
      else if (pick < 0.3) ev = { ...ev, id: sha(`${ev.id}x`) };
      const frame = `["EVENT","sub${i}",${writeEvent(ev, rnd)}]`;
      expect(parsedEvent(frame)).not.toBeNull();
      if (agrees(frame)) answered++;
    }
    // Both outcomes happen: the property is not passed by always declining.
    expect(answered).toBeGreaterThan(300);
    expect(answered).toBeLessThan(3000);
  });

  it("handles a huge event (1 MB of content, 10,000 tags) and never throws on broken text", () => {
    const big = event({
      content: "x".repeat(1_000_000),
      tags: Array.from({ length: 10_000 }, (_, i) => ["p", PK, String(i)]),
    });
    const frame = frameOf(big);
    expect(frameEventId(frame)).toBe(big.id);
    for (let cut = 0; cut < 400; cut += 7) {
      expect(() => frameIdInput(frameOf(event({ content: "abc" })).slice(0, cut))).not.toThrow();
    }
    const garbage = ["", "[", '["EVENT"', '["EVENT","s",{', '["EVENT","s",{"a":', "[[[[[[[["];
    for (const text of garbage) expect(frameIdInput(text)).toBeUndefined();
    expect(frameIdInput(`["EVENT","s",${"[".repeat(10_000)}`)).toBeUndefined();
  });

  it("only reads EVENT frames", () => {
    const ev = event({});
    expect(frameIdInput(JSON.stringify(["NOTICE", "s", ev]))).toBeUndefined();
    expect(frameIdInput(JSON.stringify(["EVENT", ev]))).toBeUndefined();
    expect(frameIdInput(JSON.stringify(["EVENT", "s", [ev]]))).toBeUndefined();
  });
});
