import { describe, expect, it } from "vitest";
import { startFakeRelay } from "../../support/fake-relay.js";
import { closeAndCheckLeaks } from "./helpers.js";

const own = closeAndCheckLeaks();
const NIP11 = { headers: { Accept: "application/nostr+json" }, redirect: "manual" } as const;

describe("fake relay: NIP-11", () => {
  it("serves a valid default document with CORS headers on the relay's port", async () => {
    const relay = own(await startFakeRelay({ maxLimit: 77 }));
    const res = await fetch(relay.httpUrl, NIP11);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/nostr+json");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("GET");
    expect(res.headers.get("access-control-allow-headers")).toBeTruthy();
    const doc = (await res.json()) as { limitation: { max_limit: number }; software: string };
    expect(doc).toMatchObject({ name: expect.any(String), supported_nips: expect.any(Array) });
    expect(doc.limitation.max_limit).toBe(77);
    expect(doc.software).toMatch(/^https:\/\//);
  });

  it("serves a given object, a raw (malformed) string, and 404 for null", async () => {
    const relay = own(await startFakeRelay({ nip11: { name: "custom", supported_nips: "1,2" } }));
    expect(await (await fetch(relay.httpUrl, NIP11)).json()).toEqual({
      name: "custom",
      supported_nips: "1,2",
    });
    relay.options.nip11 = '{"name": "broken",';
    expect(await (await fetch(relay.httpUrl, NIP11)).text()).toBe('{"name": "broken",');
    relay.options.nip11 = null;
    expect((await fetch(relay.httpUrl, NIP11)).status).toBe(404);
  });

  it("serves huge documents and custom content types and headers", async () => {
    const huge = { name: "big", description: "x".repeat(5 * 1024 * 1024) };
    const relay = own(
      await startFakeRelay({
        nip11: huge,
        nip11ContentType: "text/html",
        httpHeaders: { Server: "nginx/1.25" },
      }),
    );
    const res = await fetch(relay.httpUrl, NIP11);
    expect(res.headers.get("content-type")).toBe("text/html");
    expect(res.headers.get("server")).toBe("nginx/1.25");
    expect((await res.text()).length).toBeGreaterThan(5 * 1024 * 1024);
  });

  it("delays the answer by nip11DelayMs and can redirect", async () => {
    const relay = own(await startFakeRelay({ nip11DelayMs: 150 }));
    const t0 = Date.now();
    await (await fetch(relay.httpUrl, NIP11)).json();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    relay.options.nip11Redirect = "http://127.0.0.1:1/elsewhere";
    const res = await fetch(relay.httpUrl, NIP11);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://127.0.0.1:1/elsewhere");
  });

  it("answers a plain GET (no nostr Accept) with text and a CORS preflight with 204", async () => {
    const relay = own(await startFakeRelay());
    const plain = await fetch(relay.httpUrl);
    expect(plain.headers.get("content-type")).toBe("text/plain");
    const preflight = await fetch(relay.httpUrl, { method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("close() does not hang on a pending delayed answer", async () => {
    const relay = await startFakeRelay({ nip11DelayMs: 10_000 });
    const pending = fetch(relay.httpUrl, NIP11).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    await relay.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
