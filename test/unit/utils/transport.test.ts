import { describe, expect, it } from "vitest";
import {
  ConnectError,
  deadline,
  isCertificateError,
  openWebSocket,
  planRoute,
  toConnectError,
} from "../../../src/utils/transport.js";

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe("toConnectError", () => {
  it.each([
    [coded("ECONNREFUSED", "connect ECONNREFUSED 1.2.3.4:443"), "refused"],
    [coded("ENOTFOUND"), "dns"],
    [coded("EAI_AGAIN"), "dns"],
    [coded("ETIMEDOUT"), "timeout"],
    [coded("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"), "tls"],
    [coded("ERR_TLS_CERT_ALTNAME_INVALID"), "tls"],
    [coded("CERT_HAS_EXPIRED"), "tls"],
    [coded("ERR_SSL_WRONG_VERSION_NUMBER"), "tls"],
    [coded("ECONNRESET"), "other"],
    [new DOMException("x", "AbortError"), "aborted"],
    ["a string", "other"],
  ])("%s → %s", (error, kind) => {
    expect(toConnectError(error).kind).toBe(kind);
  });

  it("keeps a ConnectError as is", () => {
    const error = new ConnectError("proxy", "x");
    expect(toConnectError(error)).toBe(error);
  });
});

describe("isCertificateError", () => {
  it("is true for certificate problems only", () => {
    expect(isCertificateError(coded("SELF_SIGNED_CERT_IN_CHAIN"))).toBe(true);
    expect(isCertificateError(coded("UNABLE_TO_VERIFY_LEAF_SIGNATURE"))).toBe(true);
    expect(isCertificateError(coded("ERR_SSL_WRONG_VERSION_NUMBER"))).toBe(false);
    expect(isCertificateError(coded("ECONNREFUSED"))).toBe(false);
  });
});

describe("planRoute", () => {
  it("needs a socks5h proxy for overlays", async () => {
    await expect(planRoute("x.onion", { network: "tor" })).rejects.toMatchObject({
      kind: "proxy",
      reason: "tor relays need a SOCKS5 proxy (proxyUrl socks5h://…)",
    });
    await expect(
      planRoute("x.i2p", { network: "i2p", proxyUrl: "socks5://127.0.0.1:9050" }),
    ).rejects.toMatchObject({
      kind: "proxy",
    });
    const route = await planRoute("x.onion", {
      network: "tor",
      proxyUrl: "socks5h://127.0.0.1:9050",
    });
    expect(route.overlay).toBe(true);
    expect(route.agent).toBeDefined();
  });

  it("pins the checked address for clearnet", async () => {
    const resolver = { lookup: async () => ["93.184.216.34"] };
    const route = await planRoute("example.test", { network: "clearnet", resolver });
    expect(route.address).toBe("93.184.216.34");
    const got = await new Promise((resolve) =>
      route.lookup?.("other.test", { all: true }, (_e, a) => resolve(a)),
    );
    expect(got).toEqual([{ address: "93.184.216.34", family: 4 }]);
  });

  it("refuses a name that resolves to a private address", async () => {
    const resolver = { lookup: async () => ["10.0.0.1"] };
    await expect(planRoute("evil.test", { network: "clearnet", resolver })).rejects.toMatchObject({
      kind: "private-address",
    });
  });
});

describe("openWebSocket", () => {
  it("refuses non-ws URLs and loopback without allowPrivate", async () => {
    await expect(
      openWebSocket("http://x.test", { network: "clearnet", timeoutMs: 100 }),
    ).rejects.toMatchObject({
      kind: "other",
    });
    await expect(
      openWebSocket("ws://127.0.0.1:1", { network: "clearnet", timeoutMs: 100 }),
    ).rejects.toMatchObject({
      kind: "private-address",
    });
  });

  it("times out a resolver that never answers", async () => {
    const resolver = { lookup: () => new Promise<string[]>(() => {}) };
    await expect(
      openWebSocket("wss://slow.test", { network: "clearnet", timeoutMs: 30, resolver }),
    ).rejects.toMatchObject({ kind: "timeout" });
  });
});

describe("deadline", () => {
  it("aborts with a timeout reason and with the parent", async () => {
    const d = deadline(5, undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(d.signal.reason).toMatchObject({ kind: "timeout" });
    const parent = new AbortController();
    const e = deadline(10_000, parent.signal);
    parent.abort();
    expect(e.signal.reason).toMatchObject({ kind: "aborted" });
    e.clear();
  });
});
