import { afterEach, describe, expect, it } from "vitest";
import { createTestCertificate } from "../../../../src/devnet/tls-cert.js";
import { checkHttp, httpFromHeaders } from "../../../../src/nips/nip66/http.js";
import { type ConnectOptions, openWebSocket } from "../../../../src/utils/transport.js";
import {
  type FakeRelay,
  type FakeRelayOptions,
  startFakeRelay,
} from "../../../support/fake-relay.js";

const relays: FakeRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

async function relay(options: FakeRelayOptions = {}): Promise<FakeRelay> {
  const r = await startFakeRelay(options);
  relays.push(r);
  return r;
}

const base = { network: "clearnet" as const, timeoutMs: 1000, allowPrivate: true };
const ms = expect.any(Number);

describe("checkHttp", () => {
  it("reads Server and X-Powered-By from the 101 response", async () => {
    const r = await relay({ httpHeaders: { Server: "strfry/1.0.4", "X-Powered-By": "nostr-rs" } });
    expect(await checkHttp(r.url, base)).toEqual({
      status: "ok",
      data: { server: "strfry/1.0.4", poweredBy: "nostr-rs" },
      durationMs: ms,
      notes: [],
    });
  });

  it("no such headers is an empty result, not an error; long values are cut", async () => {
    expect(await checkHttp((await relay()).url, base)).toMatchObject({ status: "ok", data: {} });
    const long = await relay({ httpHeaders: { Server: "x".repeat(1000) } });
    const result = await checkHttp(long.url, base);
    expect(result.status === "ok" && result.data.server).toBe("x".repeat(256));
  });

  it("works over TLS (with allowInsecure for a self-signed certificate)", async () => {
    const r = await relay({ tls: createTestCertificate(), httpHeaders: { Server: "tls-relay" } });
    const strict = await checkHttp(r.url, base);
    expect(strict.status === "error" && strict.reason).toMatch(/^tls: /);
    expect(await checkHttp(r.url, { ...base, allowInsecure: true })).toMatchObject({
      status: "ok",
      data: { server: "tls-relay" },
    });
  });

  it("a refused upgrade is an error; the opener is injectable", async () => {
    const r = await relay({ refuse: true });
    expect(await checkHttp(r.url, base)).toEqual({
      status: "error",
      reason: "http-status: HTTP 503 instead of 101",
      durationMs: ms,
    });
    const ok = await relay({ httpHeaders: { Server: "counted" } });
    const urls: string[] = [];
    const open = (url: string, options: ConnectOptions) => {
      urls.push(url);
      return openWebSocket(url, options);
    };
    expect(await checkHttp(ok.url, { ...base, open })).toMatchObject({
      data: { server: "counted" },
    });
    expect(urls).toEqual([ok.url]);
  });

  it("an overlay relay needs its proxy", async () => {
    expect(await checkHttp(`ws://${"b".repeat(56)}.onion`, { ...base, network: "tor" })).toEqual({
      status: "error",
      reason: "proxy: tor relays need a SOCKS5 proxy (proxyUrl socks5h://…)",
      durationMs: ms,
    });
  });
});

describe("httpFromHeaders", () => {
  it("trims, and ignores empty values", () => {
    expect(httpFromHeaders({ server: "  nginx ", "x-powered-by": "" })).toEqual({
      server: "nginx",
    });
  });
});
