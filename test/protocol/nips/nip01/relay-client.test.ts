import { verifyEvent } from "nostr-tools/pure";
import { beforeAll, describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import {
  AuthRequiredError,
  BlockedError,
  RateLimitedError,
  RelayClosedError,
  RelayDisconnectedError,
  RelayError,
  RelayTimeoutError,
  RestrictedError,
} from "../../../../src/nips/nip01/index.js";
import { generateEvents } from "../../../support/fake-user.js";
import { collect, useRelays } from "./helpers.js";

let events: NostrEvent[];
const { relay, client } = useRelays(() => events);

beforeAll(async () => {
  events = await generateEvents({ count: 60, seed: 7, kinds: [1] });
});

const verify = async (batch: NostrEvent[]) => batch.map((ev) => verifyEvent({ ...ev }));

describe("RelayClient.req", () => {
  it("yields stored events and ends at EOSE, then sends CLOSE", async () => {
    const r = await relay();
    const c = await client(r.url);
    const got = await collect(c.req([{ kinds: [1], limit: 10 }]));
    expect(got).toHaveLength(10);
    expect(c.stats).toMatchObject({ events: 10, invalid: 0, badId: 0, garbageFrames: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.received.some((m) => Array.isArray(m) && m[0] === "CLOSE")).toBe(true);
  });

  it("is clamped silently by the relay's max limit", async () => {
    const r = await relay({ maxLimit: 25 });
    const c = await client(r.url);
    expect(await collect(c.req([{ limit: 1000 }]))).toHaveLength(25);
  });

  it("stops after maxEvents and closes the subscription", async () => {
    const r = await relay();
    const c = await client(r.url);
    expect(await collect(c.req([{ limit: 50 }], { maxEvents: 3 }))).toHaveLength(3);
    expect(await collect(c.req([{ limit: 2 }]))).toHaveLength(2);
  });

  it.each([
    ["auth-required", AuthRequiredError],
    ["restricted", RestrictedError],
    ["rate-limited", RateLimitedError],
    ["blocked", BlockedError],
    ["error", RelayError],
    ["weird", RelayClosedError],
  ])("maps CLOSED %s to its error class", async (prefix, ErrorClass) => {
    const r = await relay({ closedPrefix: prefix });
    const c = await client(r.url);
    const error = await collect(c.req([{ limit: 1 }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ prefix });
  });

  it("drops invalid signatures with a verify function", async () => {
    const r = await relay({ invalidSignatures: true });
    const c = await client(r.url);
    expect(await collect(c.req([{ limit: 20 }], { verify }))).toEqual([]);
    expect(c.stats.badSig).toBe(20);
    expect(await collect(c.req([{ limit: 5 }]))).toHaveLength(5);
  });

  it("keeps order and every valid event through batched verification", async () => {
    const r = await relay();
    const c = await client(r.url);
    const plain = await collect(c.req([{ limit: 60 }]));
    const verified = await collect(c.req([{ limit: 60 }], { verify }));
    expect(verified.map((e) => e.id)).toEqual(plain.map((e) => e.id));
    expect(c.stats.badSig).toBe(0);
  });

  it("drops events whose id does not match", async () => {
    const r = await relay({ corruptIds: true });
    const c = await client(r.url);
    expect(await collect(c.req([{ limit: 8 }]))).toEqual([]);
    expect(c.stats.badId).toBe(8);
  });

  it("drops events that match no filter", async () => {
    const r = await relay({ mismatchedEvents: true });
    const c = await client(r.url);
    const author = events[0]?.pubkey ?? "";
    const got = await collect(c.req([{ authors: [author] }]));
    expect(got.every((e) => e.pubkey === author)).toBe(true);
    expect(c.stats.mismatched).toBeGreaterThan(0);
  });

  it("ignores garbage frames", async () => {
    const r = await relay({ garbageFrames: true });
    const c = await client(r.url);
    expect(await collect(c.req([{ limit: 5 }]))).toHaveLength(5);
    expect(c.stats.garbageFrames).toBeGreaterThan(0);
  });

  it("closes the connection with a clear error on an oversize frame", async () => {
    const r = await relay({ oversizeFrameBytes: 200_000 });
    const c = await client(r.url, { maxPayloadBytes: 100_000 });
    const error = await collect(c.req([{ limit: 5 }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayDisconnectedError);
    expect((error as Error).message).toContain("larger than 100000 bytes");
    expect(c.stats.oversized).toBe(1);
    expect(c.isClosed).toBe(true);
  });

  it("times out (does not hang) when EOSE never comes", async () => {
    const r = await relay({ noEose: true });
    const c = await client(r.url);
    const seen: NostrEvent[] = [];
    const error = await (async () => {
      for await (const ev of c.req([{ limit: 5 }], { eoseTimeoutMs: 300, idleTimeoutMs: 5000 }))
        seen.push(ev);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error).toMatchObject({ phase: "eose" });
    expect(seen).toHaveLength(5);
  });

  it("times out on a silent relay", async () => {
    const r = await relay({ silent: true });
    const c = await client(r.url);
    const error = await collect(c.req([{ limit: 5 }], { idleTimeoutMs: 150 })).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ phase: "idle" });
  });

  it("delivers the received events, then throws on a mid-stream drop", async () => {
    const r = await relay({ dropAfter: 4 });
    const c = await client(r.url);
    const seen: NostrEvent[] = [];
    const error = await (async () => {
      for await (const ev of c.req([{ limit: 20 }])) seen.push(ev);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayDisconnectedError);
    expect(seen).toHaveLength(4);
  });

  it("stops on abort and sends CLOSE", async () => {
    const r = await relay({ latencyMs: 20 });
    const c = await client(r.url);
    const controller = new AbortController();
    const seen: NostrEvent[] = [];
    const error = await (async () => {
      for await (const ev of c.req([{ limit: 50 }], { signal: controller.signal })) {
        seen.push(ev);
        if (seen.length === 2) controller.abort(new Error("stop now"));
      }
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe("stop now");
    expect(seen).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.received.some((m) => Array.isArray(m) && m[0] === "CLOSE")).toBe(true);
  });

  it("sends CLOSE when the consumer breaks early", async () => {
    const r = await relay({ noEose: true });
    const c = await client(r.url);
    for await (const _ of c.req([{ limit: 10 }])) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.received.filter((m) => Array.isArray(m) && m[0] === "CLOSE")).toHaveLength(1);
  });

  it("uses unique subscription ids of at most 64 characters", async () => {
    const r = await relay();
    const c = await client(r.url);
    await Promise.all([collect(c.req([{ limit: 1 }])), collect(c.req([{ limit: 1 }]))]);
    const ids = r.received
      .filter((m) => Array.isArray(m) && m[0] === "REQ")
      .map((m) => (m as string[])[1]);
    expect(new Set(ids).size).toBe(2);
    expect(ids.every((id) => id !== undefined && id.length <= 64)).toBe(true);
  });

  it("throws a disconnected error for a REQ after close", async () => {
    const r = await relay();
    const c = await client(r.url);
    await c.close();
    await c.close();
    await expect(collect(c.req([{ limit: 1 }]))).rejects.toBeInstanceOf(RelayDisconnectedError);
  });
});
