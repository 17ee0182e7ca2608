import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startFakeNetwork } from "../../support/fake-network.js";
import { closeAndCheckLeaks, RawClient, sleep } from "./helpers.js";

const own = closeAndCheckLeaks();

describe("fake network", () => {
  it("spreads a dataset over healthy relays with overlap and points relay lists at them", async () => {
    const net = own(await startFakeNetwork({ relays: 4, events: 200, overlap: 0.5, seed: 3 }));
    expect(net.behaviours).toEqual(["healthy", "healthy", "healthy", "count-lies"]);
    const copies = new Map<string, number>();
    for (const relay of net.relays) {
      for (const ev of relay.events) copies.set(ev.id, (copies.get(ev.id) ?? 0) + 1);
    }
    expect(copies.size).toBe(200);
    expect([...copies.values()].some((n) => n > 1)).toBe(true);
    expect([...copies.values()].some((n) => n === 1)).toBe(true);
    const urls = new Set(net.relays.map((r) => r.url));
    const rTags = net.events.filter((e) => e.kind === 10002).flatMap((e) => e.tags);
    expect(rTags.length).toBeGreaterThan(0);
    for (const tag of rTags) expect(urls).toContain(tag[1]);
    const client = await RawClient.connect(net.relays[0]?.url ?? "");
    expect(await client.req("s", { limit: 5000 })).toHaveLength(net.relays[0]?.events.length ?? -1);
  });

  it("answers NIP-45 COUNT: exactly, with an hll (every third), and the last healthy one lies", async () => {
    const net = own(await startFakeNetwork({ relays: 4, events: 120, overlap: 0.3, seed: 4 }));
    const counts = [];
    for (const relay of net.relays) {
      const client = await RawClient.connect(relay.url);
      client.send(["COUNT", "c", {}]);
      const [, , payload] = await client.waitFor((m) => m[0] === "COUNT");
      counts.push({ ...(payload as object), stored: relay.events.length });
    }
    const [exact, hll, , liar] = counts as { count: number; stored: number; hll?: string }[];
    expect(exact).toEqual({ count: exact?.stored, stored: exact?.stored });
    expect(hll?.count).toBe(hll?.stored);
    expect(hll?.hll).toMatch(/^[0-9a-f]{512}$/);
    expect(liar?.count).toBe(Math.floor((liar?.stored ?? 0) / 2));
  });

  it("overlap 0 puts every event on exactly one relay", async () => {
    const net = own(await startFakeNetwork({ relays: 3, events: 60, overlap: 0, seed: 5 }));
    const total = net.relays.reduce((sum, r) => sum + r.events.length, 0);
    expect(total).toBe(60);
  });

  it("makes the last relays misbehave from the mix", async () => {
    const net = own(
      await startFakeNetwork({ relays: 9, events: 120, overlap: 0.3, misbehaving: 7, seed: 1 }),
    );
    expect(net.behaviours).toEqual([
      "healthy",
      "healthy",
      "silent",
      "refuse",
      "auth-required",
      "no-eose",
      "garbage-frames",
      "invalid-signatures",
      "clamp-50",
    ]);
    const [, , silent, refuse, auth] = net.relays;
    const quiet = await RawClient.connect(silent?.url ?? "");
    quiet.send(["REQ", "s", {}]);
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(refuse?.url ?? "");
      ws.on("unexpected-response", (_q, res) => resolve(res.statusCode ?? 0));
      ws.on("error", () => {});
    });
    expect(refused).toBe(503);
    const authClient = await RawClient.connect(auth?.url ?? "");
    await authClient.waitFor((m) => m[0] === "AUTH");
    await sleep(50);
    expect(quiet.frames).toHaveLength(0);
    expect(net.relays[8]?.options.maxLimit).toBe(50);
  });
});
