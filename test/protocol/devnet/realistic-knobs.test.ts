/**
 * The fake-relay knobs the realistic devnet adds, each seen on the wire by a bare client:
 * rate limits, AUTH by kind, shuffled and duplicated results, cut frames, timed closes, drip,
 * slow and HTML upgrades, and a relay that stops and comes back with its events.
 */
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startFakeRelay } from "../../support/fake-relay.js";
import { generateEvents } from "../../support/fake-user.js";
import { closeAndCheckLeaks, RawClient } from "./helpers.js";

const own = closeAndCheckLeaks();
const data = () => generateEvents({ count: 40, seed: 22, kinds: [1, 4, 7] });

/** What a plain `ws` client gets when it asks for an upgrade: open, or the HTTP status. */
function upgrade(
  url: string,
): Promise<{ open: boolean; status?: number | undefined; type?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on("open", () => {
      resolve({ open: true });
      ws.terminate();
    });
    ws.on("unexpected-response", (_req, res) => {
      resolve({ open: false, status: res.statusCode, type: String(res.headers["content-type"]) });
      ws.terminate();
    });
    ws.on("error", () => resolve({ open: false }));
  });
}

describe("realistic fake-relay knobs", () => {
  it("rateLimit answers REQs past the first N with NOTICE, CLOSED or a dropped socket", async () => {
    const events = await data();
    for (const answer of ["notice", "closed", "drop"] as const) {
      const relay = own(await startFakeRelay({ events, rateLimit: { after: 2, answer } }));
      const client = await RawClient.connect(relay.url);
      expect(await client.req("a", {})).toHaveLength(40);
      expect(await client.req("b", { limit: 3 })).toHaveLength(3);
      client.send(["REQ", "c", {}]);
      if (answer === "drop") {
        expect(await client.closed).toBe(1006);
        continue;
      }
      const verb = answer === "notice" ? "NOTICE" : "CLOSED";
      const got = await client.waitFor((m) => m[0] === verb);
      expect(String(got.at(-1))).toMatch(/^rate-limited: /);
      expect(client.eventsOf("c")).toHaveLength(0);
      // A new connection starts a new count.
      const again = await RawClient.connect(relay.url);
      expect(await again.req("d", {})).toHaveLength(40);
    }
  });

  it("authKinds hides those kinds before AUTH and refuses a REQ asking only for them", async () => {
    const events = await data();
    const relay = own(await startFakeRelay({ events, authKinds: [4] }));
    const client = await RawClient.connect(relay.url);
    const got = await client.req("s", {});
    expect(got.length).toBe(events.filter((e) => e.kind !== 4).length);
    expect(got.every((e) => e.kind !== 4)).toBe(true);
    client.send(["REQ", "dm", { kinds: [4] }]);
    const closed = await client.waitFor((m) => m[0] === "CLOSED" && m[1] === "dm");
    expect(closed[2]).toMatch(/^auth-required: /);
    client.send(["COUNT", "n", {}]);
    const count = await client.waitFor((m) => m[0] === "COUNT");
    expect(count[2]).toEqual({ count: got.length });
  });

  it("shuffleResults and duplicateEvents change the order and the copies, not the set", async () => {
    const events = await data();
    const relay = own(await startFakeRelay({ events, shuffleResults: true }));
    const shuffled = await (await RawClient.connect(relay.url)).req("s", {});
    const newestFirst = [...shuffled].sort((a, b) => b.created_at - a.created_at);
    expect(shuffled.map((e) => e.id)).not.toEqual(newestFirst.map((e) => e.id));
    expect(new Set(shuffled.map((e) => e.id)).size).toBe(40);
    relay.options = { ...relay.options, shuffleResults: false, duplicateEvents: true };
    const doubled = await (await RawClient.connect(relay.url)).req("s", {});
    expect(doubled).toHaveLength(80);
    expect(new Set(doubled.map((e) => e.id)).size).toBe(40);
  });

  it("dropMidFrameAfter delivers N events, then half a frame and a dead socket", async () => {
    const relay = own(await startFakeRelay({ events: await data(), dropMidFrameAfter: 7 }));
    const client = await RawClient.connect(relay.url);
    client.send(["REQ", "s", {}]);
    const code = await client.closed;
    expect(code).toBe(1006);
    expect(client.eventsOf("s")).toHaveLength(7);
    expect(client.messages.some((m) => m[0] === "EOSE")).toBe(false);
  });

  it("closeAfterMs terminates a connection that lives longer, dripMs spaces the frames", async () => {
    const relay = own(
      await startFakeRelay({ events: await data(), dripMs: 30, closeAfterMs: 400 }),
    );
    const client = await RawClient.connect(relay.url);
    client.send(["REQ", "s", {}]);
    expect(await client.closed).toBe(1006);
    const got = client.eventsOf("s").length;
    // 40 frames 30 ms apart take 1.2 s: the connection ended first.
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(40);
  });

  it("upgradeDelayMs answers the upgrade late; refuseMode html answers with a web page", async () => {
    const relay = own(await startFakeRelay({ events: await data(), upgradeDelayMs: 300 }));
    const started = Date.now();
    expect((await upgrade(relay.url)).open).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    relay.options = { ...relay.options, upgradeDelayMs: 0, refuse: true, refuseMode: "html" };
    expect(await upgrade(relay.url)).toEqual({ open: false, status: 200, type: "text/html" });
  });

  it("stop closes the port and drops sockets; restart serves the same events on it", async () => {
    const events = await data();
    const relay = own(await startFakeRelay({ events }));
    const client = await RawClient.connect(relay.url);
    await relay.stop();
    expect(relay.listening).toBe(false);
    expect(await client.closed).toBe(1006);
    const refused = await RawClient.connect(relay.url).catch((e: { code?: string }) => e.code);
    expect(refused).toBe("ECONNREFUSED");
    await relay.restart();
    const back = await RawClient.connect(relay.url);
    expect(await back.req("s", {})).toHaveLength(40);
  });
});
