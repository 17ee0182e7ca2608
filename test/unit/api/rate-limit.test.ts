import { describe, expect, it } from "vitest";
import { createKeyCheck, parseApiKeys, requestKey } from "../../../src/api/api-keys.js";
import { RateLimiter } from "../../../src/api/rate-limit.js";

describe("RateLimiter", () => {
  it("lets a burst through, then refills at the rate and says when to retry", () => {
    let ms = 0;
    const limiter = new RateLimiter(10, () => ms);
    const bucket = { rate: 2, burst: 3 };
    expect([1, 2, 3].map(() => limiter.take("a", bucket).ok)).toEqual([true, true, true]);
    expect(limiter.take("a", bucket)).toEqual({ ok: false, retryAfterS: 1 });
    ms += 500; // one token back at 2/s
    expect(limiter.take("a", bucket)).toEqual({ ok: true, remaining: 0 });
    expect(limiter.take("a", bucket).ok).toBe(false);
    // Another client has its own bucket.
    expect(limiter.take("b", bucket).ok).toBe(true);
    ms += 60_000; // refills only up to the burst
    expect(limiter.take("a", bucket)).toEqual({ ok: true, remaining: 2 });
  });

  it("rounds Retry-After up for slow rates", () => {
    const limiter = new RateLimiter(10, () => 0);
    const bucket = { rate: 0.1, burst: 1 };
    limiter.take("a", bucket);
    expect(limiter.take("a", bucket)).toEqual({ ok: false, retryAfterS: 10 });
  });

  it("remembers at most maxClients, forgetting the least recently seen", () => {
    const limiter = new RateLimiter(100, () => 0);
    const bucket = { rate: 1, burst: 1 };
    for (let i = 0; i < 1000; i++) limiter.take(`c${i}`, bucket);
    expect(limiter.size).toBe(100);
    // c999 is still remembered (empty), c0 was forgotten (full again).
    expect(limiter.take("c999", bucket).ok).toBe(false);
    expect(limiter.take("c0", bucket).ok).toBe(true);
  });
});

describe("API keys", () => {
  it("parses a comma-separated list and finds the key in X-API-Key or a Bearer token", () => {
    expect(parseApiKeys(" a, b ,,c ")).toEqual(["a", "b", "c"]);
    expect(parseApiKeys(undefined)).toEqual([]);
    const h = (o: Record<string, string>) => new Headers(o);
    expect(requestKey(h({ "X-API-Key": "k1" }))).toBe("k1");
    expect(requestKey(h({ Authorization: "Bearer k2" }))).toBe("k2");
    expect(requestKey(h({ Authorization: "Basic abc" }))).toBeUndefined();
    expect(requestKey(h({}))).toBeUndefined();
  });

  it("names a known key by a hash prefix, never by the key", () => {
    const check = createKeyCheck(["secret-one", "secret-two"]);
    const name = check("secret-two");
    expect(name).toMatch(/^key:[0-9a-f]{8}$/);
    expect(name).not.toContain("secret");
    expect(check("secret-one")).not.toBe(name);
    expect(check("secret-three")).toBeUndefined();
  });
});
