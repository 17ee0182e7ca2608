import { getEventHash, verifyEvent } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { startFakeRelay } from "../../support/fake-relay.js";
import { generateEvents, makeUser } from "../../support/fake-user.js";
import { closeAndCheckLeaks, RawClient, sleep } from "./helpers.js";

const own = closeAndCheckLeaks();

/** Resolves once no frame has come for 150 ms (at most 5 s). */
async function quiet(client: RawClient): Promise<void> {
  for (let i = 0, seen = -1; i < 50 && seen !== client.frames.length; i++) {
    seen = client.frames.length;
    await sleep(150);
  }
}
const data = () => generateEvents({ count: 40, seed: 21, kinds: [1] });
const valid = (ev: NostrEvent) => verifyEvent({ ...ev, tags: ev.tags.map((t) => [...t]) });

describe("fake relay knobs", () => {
  it("closedPrefix answers every REQ with CLOSED '<prefix>: ...'", async () => {
    const relay = own(await startFakeRelay({ events: await data(), closedPrefix: "rate-limited" }));
    const client = await RawClient.connect(relay.url);
    client.send(["REQ", "s", {}]);
    const closed = await client.waitFor((m) => m[0] === "CLOSED");
    expect(closed[1]).toBe("s");
    expect(closed[2]).toMatch(/^rate-limited: /);
    expect(client.eventsOf("s")).toHaveLength(0);
  });

  it("requireAuth: challenge, auth-required refusals, then a signed 22242 unlocks reads and writes", async () => {
    const events = await data();
    const relay = own(await startFakeRelay({ events, requireAuth: true }));
    const client = await RawClient.connect(relay.url);
    const [, challenge] = await client.waitFor((m) => m[0] === "AUTH");
    client.send(["REQ", "s", {}]);
    expect((await client.waitFor((m) => m[0] === "CLOSED"))[2]).toMatch(/^auth-required: /);
    const user = await makeUser("auth-test");
    const note = user.sign({ kind: 1, created_at: 1, tags: [], content: "before auth" });
    client.send(["EVENT", note]);
    const refused = await client.waitFor((m) => m[0] === "OK" && m[1] === note.id);
    expect(refused.slice(2, 3)).toEqual([false]);
    expect(refused[3]).toMatch(/^auth-required: /);
    const now = Math.floor(Date.now() / 1000);
    const tags = (c: unknown) => [
      ["relay", relay.url],
      ["challenge", String(c)],
    ];
    const wrong = user.sign({ kind: 22242, created_at: now, tags: tags("nope"), content: "" });
    client.send(["AUTH", wrong]);
    expect((await client.waitFor((m) => m[0] === "OK" && m[1] === wrong.id))[2]).toBe(false);
    const auth = user.sign({ kind: 22242, created_at: now, tags: tags(challenge), content: "" });
    client.send(["AUTH", auth]);
    expect(await client.waitFor((m) => m[0] === "OK" && m[1] === auth.id)).toEqual([
      "OK",
      auth.id,
      true,
      "",
    ]);
    expect(await client.req("t", {})).toHaveLength(events.length);
  });

  it("invalidSignatures sends events whose id is right but whose sig fails", async () => {
    const relay = own(await startFakeRelay({ events: await data(), invalidSignatures: true }));
    const got = await (await RawClient.connect(relay.url)).req("s", {});
    expect(got).toHaveLength(40);
    for (const ev of got) {
      expect(getEventHash(ev)).toBe(ev.id);
      expect(valid(ev)).toBe(false);
    }
  });

  it("corruptIds sends events whose id does not match their content", async () => {
    const relay = own(await startFakeRelay({ events: await data(), corruptIds: true }));
    const got = await (await RawClient.connect(relay.url)).req("s", {});
    for (const ev of got) expect(getEventHash(ev)).not.toBe(ev.id);
  });

  it("dropAfter terminates the socket after N events", async () => {
    const relay = own(await startFakeRelay({ events: await data(), dropAfter: 7 }));
    const client = await RawClient.connect(relay.url);
    client.send(["REQ", "s", {}]);
    expect(await client.closed).toBe(1006);
    expect(client.eventsOf("s")).toHaveLength(7);
    expect(client.messages.some((m) => m[0] === "EOSE")).toBe(false);
  });

  it("noEose streams the stored events but never sends EOSE", async () => {
    const relay = own(await startFakeRelay({ events: await data(), noEose: true }));
    const client = await RawClient.connect(relay.url);
    client.send(["REQ", "s", {}]);
    await sleep(200);
    expect(client.eventsOf("s")).toHaveLength(40);
    expect(client.messages.some((m) => m[0] === "EOSE")).toBe(false);
  });

  it("streamEvents sends N made-up events newest first, limit ignored, then EOSE", async () => {
    const relay = own(await startFakeRelay({ streamEvents: 1000 }));
    const got = await (await RawClient.connect(relay.url)).req("s", { kinds: [1], limit: 5 });
    expect(got).toHaveLength(1000);
    got.forEach((ev, i) => {
      expect(ev.content).toBe(`stream ${i}`);
      expect(getEventHash(ev)).toBe(ev.id);
      if (i > 0) expect(ev.created_at).toBeLessThan(got[i - 1]?.created_at ?? 0);
    });
  });

  it("streamEvents writes only as fast as the client reads and stops at CLOSE", async () => {
    const total = 50_000;
    const relay = own(await startFakeRelay({ streamEvents: total }));
    const client = await RawClient.connect(relay.url);
    client.ws.pause();
    client.send(["REQ", "s", {}]);
    await sleep(1000);
    client.send(["CLOSE", "s"]);
    for (let i = 0; i < 50 && !relay.received.some((m) => (m as unknown[])[0] === "CLOSE"); i++) {
      await sleep(10);
    }
    client.ws.resume();
    await quiet(client);
    const got = client.eventsOf("s").length;
    // Only what fit in the socket buffers when the reader stopped (a few MB on loopback,
    // whatever the pause); a blind writer has sent them all by now.
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(total / 2);
    expect(client.messages.some((m) => m[0] === "EOSE")).toBe(false);
  });

  it("noticeOnly answers a REQ with one NOTICE and nothing else", async () => {
    const relay = own(await startFakeRelay({ events: await data(), noticeOnly: true }));
    const client = await RawClient.connect(relay.url);
    client.send(["REQ", "s", {}]);
    await client.waitFor((m) => m[0] === "NOTICE");
    await sleep(200);
    expect(client.messages).toEqual([["NOTICE", expect.any(String)]]);
  });

  it("foreignSubId names another subscription in EOSE and CLOSED", async () => {
    const relay = own(await startFakeRelay({ events: await data(), foreignSubId: true }));
    const client = await RawClient.connect(relay.url);
    client.send(["REQ", "s", {}]);
    expect(await client.waitFor((m) => m[0] === "EOSE")).toEqual(["EOSE", "s-other"]);
    expect(client.eventsOf("s")).toHaveLength(40);
    relay.options.closedPrefix = "restricted";
    client.send(["REQ", "t", {}]);
    const closed = await client.waitFor((m) => m[0] === "CLOSED");
    expect(closed.slice(0, 2)).toEqual(["CLOSED", "t-other"]);
    expect(closed[2]).toMatch(/^restricted: /);
    expect(client.messages.some((m) => m[1] === "s" && m[0] !== "EVENT")).toBe(false);
  });

  it("silent accepts the socket and never sends anything", async () => {
    const opts = { events: await data(), silent: true, requireAuth: true };
    const relay = own(await startFakeRelay(opts));
    const client = await RawClient.connect(relay.url);
    client.send(["REQ", "s", {}]);
    client.send(["COUNT", "c", {}]);
    await sleep(200);
    expect(client.frames).toHaveLength(0);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(relay.received).toHaveLength(2);
  });

  it("refuse answers the upgrade with HTTP 503, or destroys the socket", async () => {
    const relay = own(await startFakeRelay({ refuse: true, httpHeaders: { Server: "fake/1" } }));
    const status = await new Promise<number | undefined>((resolve) => {
      const ws = new WebSocket(relay.url);
      ws.on("unexpected-response", (_req, res) => {
        resolve(res.statusCode);
        ws.terminate();
      });
      ws.on("error", () => {});
    });
    expect(status).toBe(503);
    relay.options.refuseMode = "destroy";
    const err = await RawClient.connect(relay.url).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(relay.refusedConnections).toBe(2);
    expect(relay.totalConnections).toBe(0);
  });

  it("garbageFrames interleaves non-JSON, wrong-shape and binary frames", async () => {
    const relay = own(await startFakeRelay({ events: await data(), garbageFrames: true }));
    const client = await RawClient.connect(relay.url);
    const got = await client.req("s", {});
    expect(got).toHaveLength(40);
    expect(client.frames.some((f) => f.binary)).toBe(true);
    expect(client.frames.some((f) => !f.binary && f.json === undefined)).toBe(true);
    expect(client.messages).toContainEqual(["EVENT"]);
    expect(client.messages).toContainEqual([]);
  });

  it("oversizeFrameBytes sends one text frame of exactly that size before the events", async () => {
    const size = 3 * 1024 * 1024;
    const relay = own(await startFakeRelay({ events: await data(), oversizeFrameBytes: size }));
    const client = await RawClient.connect(relay.url);
    await client.req("s", {});
    const [first, second] = client.frames;
    expect(Buffer.byteLength(first?.raw ?? "")).toBe(size);
    expect(first?.json).toEqual(["NOTICE", expect.any(String)]);
    expect(second?.json).toEqual(["EVENT", "s", expect.any(Object)]);
  });

  it("mismatchedEvents also sends events outside the filter", async () => {
    const events = await generateEvents({ count: 60, seed: 4, kinds: [1, 7] });
    const relay = own(await startFakeRelay({ events, mismatchedEvents: true }));
    const got = await (await RawClient.connect(relay.url)).req("s", { kinds: [7] });
    expect(got.some((e) => e.kind === 1)).toBe(true);
    expect(got.some((e) => e.kind === 7)).toBe(true);
  });

  it("latencyMs delays every message but keeps their order", async () => {
    const relay = own(await startFakeRelay({ events: await data(), latencyMs: 120 }));
    const client = await RawClient.connect(relay.url);
    const t0 = Date.now();
    const got = await client.req("s", {});
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    expect(got.map((e) => e.created_at)).toEqual(
      [...got].map((e) => e.created_at).sort((a, b) => b - a),
    );
    expect(client.messages.at(-1)).toEqual(["EOSE", "s"]);
  });

  it("httpHeaders are sent on the websocket upgrade", async () => {
    const relay = own(await startFakeRelay({ httpHeaders: { Server: "strfry-ish/1.0" } }));
    const server = await new Promise<string | undefined>((resolve) => {
      const ws = new WebSocket(relay.url);
      ws.on("upgrade", (res) => resolve(String(res.headers.server)));
      ws.on("open", () => ws.terminate());
      ws.on("error", () => {});
    });
    expect(server).toBe("strfry-ish/1.0");
  });
});
