import { getEventHash, verifyEvent } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { DEFAULT_RELAY_URLS, generateEvents, makeUser } from "../../support/fake-user.js";

const RELAYS = ["ws://127.0.0.1:7001", "ws://127.0.0.1:7002", "ws://127.0.0.1:7003"];

// nostr-tools caches a "verified" flag on objects it signed; copy before verifying.
const verified = (ev: NostrEvent): boolean =>
  verifyEvent({ ...ev, tags: ev.tags.map((t) => [...t]) });

describe("generateEvents", () => {
  it("is deterministic for a seed and differs across seeds", async () => {
    const a = await generateEvents({ count: 150, seed: 42, relayUrls: RELAYS });
    const b = await generateEvents({ count: 150, seed: 42, relayUrls: RELAYS });
    const c = await generateEvents({ count: 150, seed: 43, relayUrls: RELAYS });
    expect(b).toEqual(a);
    expect(c.map((e) => e.id)).not.toEqual(a.map((e) => e.id));
  });

  it("produces every kind of the realistic mix", async () => {
    const events = await generateEvents({ count: 200, seed: 1 });
    const kinds = new Set(events.map((e) => e.kind));
    for (const kind of [0, 1, 2, 3, 6, 7, 1984, 9735, 10002, 30023]) expect(kinds).toContain(kind);
  });

  it("signs with valid ids and BIP-340 signatures (checked by nostr-tools)", async () => {
    const events = await generateEvents({ count: 60, seed: 9 });
    for (const ev of events) {
      expect(getEventHash(ev)).toBe(ev.id);
      expect(verified(ev)).toBe(true);
    }
  });

  it("sign: false keeps correct ids and the same dataset but fakes signatures", async () => {
    const signed = await generateEvents({ count: 120, seed: 5 });
    const fast = await generateEvents({ count: 120, seed: 5, sign: false });
    const shape = (e: NostrEvent) => `${e.kind}:${e.pubkey}:${e.created_at}`;
    expect(fast.map(shape)).toEqual(signed.map(shape));
    // Reposts embed the reposted event with its sig, so they (and events citing them) differ.
    const tainted = new Set<string>();
    for (const e of signed) {
      if (e.kind === 6 || e.tags.some((t) => tainted.has(t[1] ?? ""))) tainted.add(e.id);
    }
    const same = signed.flatMap((e, i) => (tainted.has(e.id) ? [] : [[e.id, fast[i]?.id]]));
    expect(same.length).toBeGreaterThan(60);
    for (const [a, b] of same) expect(b).toBe(a);
    for (const ev of fast) {
      expect(getEventHash(ev)).toBe(ev.id);
      expect(ev.sig).toMatch(/^[0-9a-f]{128}$/);
    }
    expect(fast.some((ev) => verified(ev))).toBe(false);
  });

  it("puts the given relay URLs in hints, relay lists, recommendations and legacy maps", async () => {
    const events = await generateEvents({ count: 400, seed: 3, relayUrls: RELAYS });
    const follows = events.filter((e) => e.kind === 3);
    const hints = follows.flatMap((e) => e.tags.filter((t) => t[0] === "p").map((t) => t[2]));
    expect(hints.some((h) => h !== undefined && RELAYS.includes(h))).toBe(true);
    const legacy = follows.find((e) => e.content.startsWith("{"));
    expect(Object.keys(JSON.parse(legacy?.content ?? "{}")).every((u) => RELAYS.includes(u))).toBe(
      true,
    );
    const rTags = events.filter((e) => e.kind === 10002).flatMap((e) => e.tags);
    expect(rTags.every((t) => t[0] === "r" && RELAYS.includes(t[1] ?? ""))).toBe(true);
    expect(new Set(rTags.map((t) => t[2] ?? "both"))).toEqual(new Set(["both", "read", "write"]));
    for (const ev of events.filter((e) => e.kind === 2)) expect(RELAYS).toContain(ev.content);
  });

  it("includes long zap descriptions, articles with d tags and control characters but no NUL", async () => {
    const events = await generateEvents({ count: 300, seed: 11 });
    const zap = events.find((e) => e.kind === 9735);
    const description = zap?.tags.find((t) => t[0] === "description")?.[1] ?? "";
    expect(description.length).toBeGreaterThan(2048);
    expect(JSON.parse(description).kind).toBe(9734);
    const article = events.find((e) => e.kind === 30023);
    expect(article?.tags.find((t) => t[0] === "d")?.[1]).toBeTruthy();
    expect(article?.content.length).toBeGreaterThan(1000);
    const all = events.map((e) => e.content + JSON.stringify(e.tags)).join("");
    const controls = [...all].filter((ch) => {
      const code = ch.charCodeAt(0);
      return code < 0x20 && !"\t\n\r".includes(ch);
    });
    expect(controls.length).toBeGreaterThan(0);
    expect(all).not.toContain("\u0000");
    expect(events.some((e) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(e.content))).toBe(true);
  });

  it("restricts to the requested kinds, with generic events for unknown ones", async () => {
    const events = await generateEvents({ count: 50, seed: 2, kinds: [1, 30166] });
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set([1, 30166]));
  });

  it("orders events oldest first with some shared seconds", async () => {
    const events = await generateEvents({ count: 300, seed: 4 });
    const times = events.map((e) => e.created_at);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(new Set(times).size).toBeLessThan(times.length);
  });

  it("uses reserved, unresolvable default relay URLs", () => {
    for (const url of DEFAULT_RELAY_URLS)
      expect(url).toMatch(/\.(example(\.\w+)?|onion)(:\d+)?(\/|$)/i);
  });
});

describe("makeUser", () => {
  it("derives the same keys from the same seed and signs valid events", async () => {
    const a = await makeUser("alice");
    const b = await makeUser("alice");
    const c = await makeUser("bob");
    expect(a.pubkey).toBe(b.pubkey);
    expect(a.pubkey).not.toBe(c.pubkey);
    const ev = a.sign({ kind: 1, created_at: 1_700_000_000, tags: [], content: "hi" });
    expect(ev.pubkey).toBe(a.pubkey);
    expect(verified(ev)).toBe(true);
  });
});
