import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { fetchNip11, type Nip11FetchOptions, nip11Url } from "../../../../src/nips/nip11/index.js";
import {
  type FakeRelay,
  type FakeRelayOptions,
  startFakeRelay,
} from "../../../support/fake-relay.js";
import { startSocks5Stub } from "../../../support/socks5-stub.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function relay(options: FakeRelayOptions = {}): Promise<FakeRelay> {
  const r = await startFakeRelay(options);
  cleanup.push(() => r.close());
  return r;
}

const local: Nip11FetchOptions = { network: "clearnet", allowPrivate: true, timeoutMs: 2000 };

/** An HTTP server streaming `bytes` of JSON-ish body without a content-length. */
async function streamer(bytes: number): Promise<{ url: string; sent: () => number }> {
  let sent = 0;
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/nostr+json" });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    res.on("close", () => res.removeAllListeners("drain"));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { url: `ws://127.0.0.1:${port}`, sent: () => sent };
}

describe("nip11Url", () => {
  it.each([
    ["wss://relay.example/path", "https://relay.example/path"],
    ["ws://relay.example:8080", "http://relay.example:8080/"],
    ["wss://relay.example:443/", "https://relay.example/"],
    ["https://relay.example", null],
    ["nonsense", null],
  ])("%s → %s", (input, expected) => {
    expect(nip11Url(input)).toBe(expected);
  });
});

describe("fetchNip11", () => {
  it("fetches and parses the document", async () => {
    const r = await relay({ maxLimit: 42 });
    const result = await fetchNip11(r.url, local);
    expect(result).toMatchObject({
      status: "ok",
      notes: [],
      data: {
        name: "bigbrotr fake relay",
        supported_nips: [1, 11, 42, 45],
        limitation: { max_limit: 42 },
      },
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("refuses loopback without allowPrivate", async () => {
    const r = await relay();
    const result = await fetchNip11(r.url, { network: "clearnet", timeoutMs: 1000 });
    expect(result).toMatchObject({ status: "error" });
    expect(result.status === "error" && result.reason).toMatch(/^private-address: /);
  });

  it("reports 404", async () => {
    const r = await relay({ nip11: null });
    expect(await fetchNip11(r.url, local)).toMatchObject({ status: "error", reason: "HTTP 404" });
  });

  it("reports malformed JSON and non-object documents", async () => {
    const r = await relay({ nip11: '{"name": "broken"' });
    expect(await fetchNip11(r.url, local)).toMatchObject({
      status: "error",
      reason: "body is not valid JSON",
    });
    r.options.nip11 = "[1,2,3]";
    expect(await fetchNip11(r.url, local)).toMatchObject({
      status: "error",
      reason: "document is not a JSON object",
    });
  });

  it("tolerates a wrong content type with a note", async () => {
    const r = await relay({
      nip11ContentType: "text/html; charset=utf-8",
      nip11: { name: "x", supported_nips: ["1"] },
    });
    expect(await fetchNip11(r.url, local)).toEqual({
      status: "ok",
      data: { name: "x", supported_nips: [1] },
      notes: ['content-type "text/html" is not application/nostr+json'],
      durationMs: expect.any(Number),
    });
  });

  it("accepts application/json without a note", async () => {
    const r = await relay({ nip11ContentType: "application/json", nip11: { name: "x" } });
    expect(await fetchNip11(r.url, local)).toMatchObject({ status: "ok", notes: [] });
  });

  it("caps a declared huge body", async () => {
    const r = await relay({ nip11: JSON.stringify({ description: "x".repeat(2 * 1024 * 1024) }) });
    expect(await fetchNip11(r.url, local)).toMatchObject({
      status: "error",
      reason: "too-large: body larger than 1048576 bytes",
    });
  });

  it("aborts a streamed body once it passes the cap", async () => {
    const s = await streamer(64 * 1024 * 1024);
    const result = await fetchNip11(s.url, { ...local, maxBytes: 100_000 });
    expect(result).toMatchObject({
      status: "error",
      reason: "too-large: body larger than 100000 bytes",
    });
    expect(s.sent()).toBeLessThan(64 * 1024 * 1024);
  });

  it("follows a redirect with a note and re-checks it", async () => {
    const target = await relay({ nip11: { name: "target" } });
    const r = await relay({ nip11Redirect: `${target.httpUrl}/info` });
    expect(await fetchNip11(r.url, local)).toMatchObject({
      status: "ok",
      data: { name: "target" },
      notes: [`redirected to ${target.httpUrl}/info`],
    });
  });

  it("resolves and checks every redirect hop again", async () => {
    const target = await relay({ nip11: { name: "target" } });
    const r = await relay({ nip11Redirect: `http://b.test:${target.port}/info` });
    const lookups: string[] = [];
    const resolver = {
      async lookup(host: string) {
        lookups.push(host);
        return ["127.0.0.1"];
      },
    };
    const url = `ws://a.test:${r.port}`;
    expect(await fetchNip11(url, { ...local, resolver })).toMatchObject({
      status: "ok",
      data: { name: "target" },
    });
    expect(lookups).toEqual(["a.test", "b.test"]);
    const refused = await fetchNip11(url, { network: "clearnet", timeoutMs: 1000, resolver });
    expect(refused).toMatchObject({
      status: "error",
      reason: "private-address: a.test (resolves to 127.0.0.1) is a private address",
    });
  });

  it("stops a redirect loop", async () => {
    const r = await relay();
    r.options.nip11Redirect = `${r.httpUrl}/loop`;
    expect(await fetchNip11(r.url, local)).toMatchObject({
      status: "error",
      reason: "redirect: more than 3 redirects",
    });
  });

  it("times out a slow relay", async () => {
    const r = await relay({ nip11DelayMs: 2000 });
    const started = Date.now();
    expect(await fetchNip11(r.url, { ...local, timeoutMs: 150 })).toMatchObject({
      status: "error",
      reason: "timeout: request timed out after 150 ms",
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("rethrows the caller's abort", async () => {
    const r = await relay({ nip11DelayMs: 2000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutdown")), 30);
    await expect(fetchNip11(r.url, { ...local, signal: controller.signal })).rejects.toThrow(
      "shutdown",
    );
  });

  it("fetches an onion relay's document through SOCKS5", async () => {
    const onion = `${"c".repeat(56)}.onion`;
    const r = await relay({ nip11: { name: "hidden" } });
    const stub = await startSocks5Stub({
      route: (host, port) =>
        host === onion && port === 80 ? { host: "127.0.0.1", port: r.port } : null,
    });
    cleanup.push(() => stub.close());
    const result = await fetchNip11(`ws://${onion}`, {
      network: "tor",
      proxyUrl: stub.url,
      timeoutMs: 2000,
    });
    expect(result).toMatchObject({ status: "ok", data: { name: "hidden" } });
    expect(stub.requests).toEqual([{ host: onion, port: 80 }]);
    expect(await fetchNip11(`ws://${onion}`, { network: "tor", timeoutMs: 500 })).toMatchObject({
      status: "error",
      reason: "proxy: tor relays need a SOCKS5 proxy (proxyUrl socks5h://…)",
    });
  });
});
