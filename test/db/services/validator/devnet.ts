/**
 * Loopback stand-ins for the public network, for validator and discovery tests:
 * - TLS fronts: clearnet URLs are always wss://, so each fake relay (plain ws) gets a TLS
 *   terminator with a throwaway self-signed certificate (probes need allow_insecure);
 * - a resolver mapping made-up host names to 127.0.0.1 (no real DNS query is ever made);
 * - valid v3 .onion names for the SOCKS5 stub;
 * - a ServiceContext whose logs and metrics the test can read.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect, createServer as createNetServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type pg from "pg";
import { type WebSocket, WebSocketServer } from "ws";
import { parseConfig } from "../../../../src/core/config/load.js";
import { type BrotrConfig, brotrConfigSchema } from "../../../../src/core/config/schemas.js";
import type { Registry } from "../../../../src/core/metrics.js";
import type { ServiceContext } from "../../../../src/core/service.js";
import type { Resolver } from "../../../../src/utils/dns.js";
import { startFakeRelay } from "../../../support/fake-relay.js";
import { createTestContext, metricValue } from "../../../support/service-context.js";
import { startSocks5Stub } from "../../../support/socks5-stub.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

export interface TlsFront {
  port: number;
  /** TLS connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** A TLS terminator on 127.0.0.1 forwarding every connection to `targetPort` in clear. */
export async function startTlsFront(targetPort: number): Promise<TlsFront> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const front = { port: 0, connections: 0, close: async () => {} };
  const server = createTlsServer(
    { key: fixture("devnet-key.pem"), cert: fixture("devnet-cert.pem") },
    (tls) => {
      front.connections++;
      const upstream = connect(targetPort, "127.0.0.1");
      track(tls);
      track(upstream);
      tls.pipe(upstream).pipe(tls);
    },
  );
  server.on("connection", (raw: Socket) => track(raw));
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  front.port = typeof address === "object" && address ? address.port : 0;
  front.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return front;
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves the names in `hosts` to 127.0.0.1; any other name fails like NXDOMAIN. */
export function loopbackResolver(hosts: Iterable<string>): Resolver & { lookups: string[] } {
  const known = new Set(hosts);
  const lookups: string[] = [];
  return {
    lookups,
    async lookup(host) {
      lookups.push(host);
      if (known.has(host)) return ["127.0.0.1"];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    },
  };
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + BASE32[(value << (5 - bits)) & 31] : out;
}

/** A well-formed v3 onion host (56 base32 chars + ".onion") for a random key. */
export function onionHost(): string {
  const pubkey = randomBytes(32);
  const version = Buffer.from([3]);
  const checksum = createHash("sha3-256")
    .update(Buffer.concat([Buffer.from(".onion checksum"), pubkey, version]))
    .digest()
    .subarray(0, 2);
  return `${base32(Buffer.concat([pubkey, checksum, version]))}.onion`;
}

/** brotr.yaml as a test wants it: everything local, short timeouts. */
export function testBrotrConfig(raw: Record<string, unknown> = {}): BrotrConfig {
  return parseConfig(brotrConfigSchema, { allow_private: true, ...raw }, "brotr.yaml");
}

export interface TestContext {
  ctx: ServiceContext;
  lines: Record<string, unknown>[];
  registry: Registry;
  clock: { now: number };
}

/** A ServiceContext on `db` with a movable clock and captured JSON logs. */
export function testContext(db: pg.Pool, now: number, signal?: AbortSignal): TestContext {
  const t = createTestContext(db, { now, ...(signal ? { signal } : {}) });
  return { ctx: t.ctx, lines: t.logs, registry: t.registry, clock: t.clock as { now: number } };
}

export { metricValue };

/** A bare WebSocket server on 127.0.0.1 that runs `onConnection` for every client. */
export async function startScriptedServer(
  onConnection: (ws: WebSocket) => void,
): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  const server = { port: 0, connections: 0, close: async () => {} };
  wss.on("connection", (ws) => {
    server.connections++;
    ws.on("error", () => ws.terminate());
    onConnection(ws);
  });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const address = wss.address();
  server.port = typeof address === "object" && address ? address.port : 0;
  server.close = () =>
    new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(() => resolve());
    });
  return server;
}

/** A fake relay reachable only as ws://<random v3 onion> through a SOCKS5 stub. */
export async function startOnionRelay(): Promise<{
  url: string;
  onion: string;
  proxyUrl: string;
  requests: { host: string; port: number }[];
  close(): Promise<void>;
}> {
  const relay = await startFakeRelay({});
  const onion = onionHost();
  const stub = await startSocks5Stub({
    route: (host) => (host === onion ? { host: "127.0.0.1", port: relay.port } : null),
  });
  return {
    url: `ws://${onion}`,
    onion,
    proxyUrl: stub.url,
    requests: stub.requests,
    close: async () => {
      await stub.close();
      await relay.close();
    },
  };
}
