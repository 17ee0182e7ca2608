import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { arrivals } from "../../../bench/support/paced-load.js";
import { pacedReqLoad } from "../../../bench/support/relay-load.js";

let wss: WebSocketServer | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
  wss = undefined;
});

/**
 * A relay that answers a REQ by its filter's kind: 1 with EOSE after `delayMs`, 2 with CLOSED,
 * 3 never. Counts the CLOSEs it receives.
 */
async function relay(delayMs: number): Promise<{ url: string; closes: () => number }> {
  let closes = 0;
  wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  wss.on("connection", (ws) => {
    ws.on("message", (data) => {
      const [verb, sub, filter] = JSON.parse(String(data)) as [string, string, { kinds: number[] }];
      if (verb === "CLOSE") closes++;
      if (verb !== "REQ") return;
      const kind = filter.kinds[0];
      if (kind === 1) setTimeout(() => ws.send(JSON.stringify(["EOSE", sub])), delayMs);
      else if (kind === 2) ws.send(JSON.stringify(["CLOSED", sub, "blocked: no"]));
    });
  });
  await new Promise<void>((resolve) => wss?.once("listening", resolve));
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, closes: () => closes };
}

describe("pacedReqLoad", () => {
  it("sends the seeded plan over its connections, timing each REQ to its EOSE", async () => {
    const r = await relay(40);
    const o = { connections: 5, rate: 50, duration: 1, seed: 3, drainS: 1 };
    const out = await pacedReqLoad(r.url, o, () => ({ kinds: [1] }));
    expect(out.sent).toBe(arrivals(50, 1, 3).length);
    expect(out.unanswered).toBe(0);
    expect(out.closed).toBe(0);
    // Every answer took the relay's 40 ms, and no more than a little over it.
    expect(out.p50).toBeGreaterThanOrEqual(39);
    expect(out.p99).toBeLessThan(200);
    // Each subscription is closed once answered.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.closes()).toBe(out.sent);
  });

  it("counts refusals and the REQs never answered, charging the latter their wait", async () => {
    const r = await relay(0);
    const o = { connections: 3, rate: 60, duration: 1, seed: 5, drainS: 0.5 };
    const out = await pacedReqLoad(r.url, o, (i) => ({ kinds: [(i % 3) + 1] }));
    const plan = arrivals(60, 1, 5);
    expect(out.closed).toBe(plan.filter((_, i) => i % 3 === 1).length);
    expect(out.unanswered).toBe(plan.filter((_, i) => i % 3 === 2).length);
    // A third never answered: the p99 is at least the drain.
    expect(out.p99).toBeGreaterThanOrEqual(500);
  });
});
