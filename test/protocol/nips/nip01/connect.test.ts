import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { connectRelay, type RelayClient } from "../../../../src/nips/nip01/index.js";
import type { Resolver } from "../../../../src/utils/dns.js";
import { type FakeRelay, startFakeRelay } from "../../../support/fake-relay.js";
import { type Socks5Stub, startSocks5Stub } from "../../../support/socks5-stub.js";

const ONION = `${"a".repeat(56)}.onion`;
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function relay(options: Parameters<typeof startFakeRelay>[0] = {}): Promise<FakeRelay> {
  const r = await startFakeRelay(options);
  cleanup.push(() => r.close());
  return r;
}

function track(c: RelayClient): RelayClient {
  cleanup.push(() => c.close());
  return c;
}

async function socks(routeTo: FakeRelay): Promise<Socks5Stub> {
  const stub = await startSocks5Stub({
    route: (host, port) =>
      host === ONION && port === 80 ? { host: "127.0.0.1", port: routeTo.port } : null,
  });
  cleanup.push(() => stub.close());
  return stub;
}

/** A TCP server that accepts and never answers (a black hole for the handshake). */
async function blackHole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanup.push(close);
  const address = server.address();
  return { port: typeof address === "object" && address !== null ? address.port : 0, close };
}

describe("connectRelay: SSRF guard", () => {
  it("refuses loopback without allowPrivate", async () => {
    const r = await relay();
    await expect(
      connectRelay(r.url, { network: "clearnet", timeoutMs: 1000 }),
    ).rejects.toMatchObject({
      kind: "private-address",
    });
    expect(r.totalConnections).toBe(0);
  });

  it("refuses a hostname resolving to loopback, and pins the checked address when allowed", async () => {
    const r = await relay();
    const lookups: string[] = [];
    const resolver: Resolver = {
      async lookup(host) {
        lookups.push(host);
        return ["127.0.0.1"];
      },
    };
    const url = `ws://relay.test:${r.port}`;
    await expect(
      connectRelay(url, { network: "clearnet", timeoutMs: 1000, resolver }),
    ).rejects.toMatchObject({
      kind: "private-address",
      reason: "relay.test (resolves to 127.0.0.1) is a private address",
    });
    const c = track(
      await connectRelay(url, {
        network: "clearnet",
        timeoutMs: 1000,
        resolver,
        allowPrivate: true,
      }),
    );
    expect(lookups).toEqual(["relay.test", "relay.test"]);
    expect(await c.count([{ kinds: [1] }])).toEqual({ count: 0, approximate: false });
  });
});

describe("connectRelay: failures are typed", () => {
  const opts = { network: "clearnet" as const, timeoutMs: 1000, allowPrivate: true };

  it("refused", async () => {
    const { port, close } = await blackHole();
    await close();
    await expect(connectRelay(`ws://127.0.0.1:${port}`, opts)).rejects.toMatchObject({
      kind: "refused",
    });
  });

  it("http-status when the upgrade is answered with 503", async () => {
    const r = await relay({ refuse: true });
    await expect(connectRelay(r.url, opts)).rejects.toMatchObject({
      kind: "http-status",
      status: 503,
    });
  });

  it("timeout when the handshake never completes", async () => {
    const { port } = await blackHole();
    const started = Date.now();
    await expect(
      connectRelay(`ws://127.0.0.1:${port}`, { ...opts, timeoutMs: 200 }),
    ).rejects.toMatchObject({
      kind: "timeout",
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("aborted by the caller", async () => {
    const { port } = await blackHole();
    const controller = new AbortController();
    const pending = connectRelay(`ws://127.0.0.1:${port}`, { ...opts, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ kind: "aborted" });
  });
});

describe("connectRelay: overlays", () => {
  it("reaches an onion relay through the SOCKS5 proxy (name resolved by the proxy)", async () => {
    const r = await relay({ events: [] });
    const stub = await socks(r);
    const c = track(
      await connectRelay(`ws://${ONION}`, { network: "tor", timeoutMs: 2000, proxyUrl: stub.url }),
    );
    expect(await c.count([{ kinds: [1] }])).toEqual({ count: 0, approximate: false });
    expect(stub.requests).toEqual([{ host: ONION, port: 80 }]);
  });

  it("fails clearly without a proxy", async () => {
    await expect(
      connectRelay(`ws://${ONION}`, { network: "tor", timeoutMs: 1000 }),
    ).rejects.toMatchObject({
      kind: "proxy",
      reason: "tor relays need a SOCKS5 proxy (proxyUrl socks5h://…)",
    });
  });

  it("reports a target the proxy cannot reach as a proxy error", async () => {
    const r = await relay();
    const stub = await socks(r);
    const other = `${"b".repeat(56)}.onion`;
    await expect(
      connectRelay(`ws://${other}`, { network: "tor", timeoutMs: 2000, proxyUrl: stub.url }),
    ).rejects.toMatchObject({ kind: "proxy" });
  });
});
