import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { arrivals, pacedLoad, quantile } from "../../../bench/support/paced-load.js";

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function listen(handler: (res: ServerResponse, path: string) => void): Promise<string> {
  server = createServer((req, res) => handler(res, req.url ?? ""));
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("arrivals", () => {
  it("is a seeded Poisson process: the same times for a seed, about rate x duration of them, spread over the whole span", () => {
    const a = arrivals(200, 30, 7);
    expect(arrivals(200, 30, 7)).toEqual(a);
    expect(arrivals(200, 30, 8)).not.toEqual(a);
    expect(a.length).toBeGreaterThan(200 * 30 * 0.95);
    expect(a.length).toBeLessThan(200 * 30 * 1.05);
    expect(a.every((t, i) => i === 0 || t >= (a[i - 1] as number))).toBe(true);
    // Not released in bursts: no 100 ms holds more than a few times its mean share (20).
    const perBin = new Map<number, number>();
    for (const t of a) perBin.set(Math.floor(t / 100), (perBin.get(Math.floor(t / 100)) ?? 0) + 1);
    expect(Math.max(...perBin.values())).toBeLessThan(45);
    expect(perBin.size).toBe(300);
  });
});

describe("quantile", () => {
  it("takes the nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 1)).toBe(100);
    expect(quantile([], 0.99)).toBe(0);
  });
});

describe("pacedLoad", () => {
  it("sends every planned request to its path and counts non-2xx answers as errors", async () => {
    const seen: string[] = [];
    const base = await listen((res, path) => {
      seen.push(path);
      res.statusCode = path.endsWith("/bad") ? 500 : 200;
      res.end("x");
    });
    let i = 0;
    const result = await pacedLoad(base, () => (i++ % 4 === 3 ? "/r/bad" : "/r/ok"), {
      rate: 100,
      duration: 1,
      seed: 3,
    });
    expect(result.sent).toBe(arrivals(100, 1, 3).length);
    expect(seen).toHaveLength(result.sent);
    expect(result.errors).toBe(seen.filter((p) => p.endsWith("/bad")).length);
    expect(result.latencies).toHaveLength(result.sent - result.errors);
  });

  it("charges a stalled server for every request that queued behind it, not only those in flight", async () => {
    // Every answer is held until 400 ms after the first request; two connections at most.
    let release: (() => void) | undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = true;
    const base = await listen((res) => {
      if (first) {
        first = false;
        setTimeout(() => release?.(), 400);
      }
      void released.then(() => res.end("ok"));
    });
    const result = await pacedLoad(base, () => "/", {
      rate: 100,
      duration: 0.3,
      seed: 5,
      connections: 2,
    });
    expect(result.errors).toBe(0);
    // Requests scheduled in the first 200 ms waited for the release at ≥ 400 ms: each took
    // at least 200 ms from its departure time, although only two were ever sent early.
    const early = arrivals(100, 0.3, 5).filter((t) => t < 200).length;
    expect(early).toBeGreaterThan(5);
    expect(result.latencies.filter((ms) => ms >= 200).length).toBeGreaterThanOrEqual(early);
  });

  it("counts what a server never answers as unanswered with its wait, not as an error, and rates only answers", async () => {
    // Answers every other request; the rest hang until the drain gives up on them.
    let n = 0;
    const base = await listen((res) => {
      n += 1;
      if (n % 2 === 1) res.end("ok");
    });
    const result = await pacedLoad(base, () => "/", {
      rate: 50,
      duration: 0.4,
      seed: 9,
      drainSeconds: 0.3,
    });
    expect(result.errors).toBe(0);
    expect(result.unanswered).toBe(Math.floor(result.sent / 2));
    expect(result.latencies).toHaveLength(result.sent);
    // The hung ones waited at least the drain after the last departure.
    expect(result.latencies.filter((ms) => ms >= 300)).toHaveLength(result.unanswered);
    expect(result.reqPerS).toBe(Math.round((result.sent - result.unanswered) / 0.4));
  });
});
