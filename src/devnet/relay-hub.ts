/**
 * Many fake relays on one port, each at its own path: `ws://127.0.0.1:PORT/r1`,
 * `ws://127.0.0.1:PORT/r2`… are different relays, each with its own knobs, events, NIP-11
 * document and headers (fake-relay.ts without a listener of its own). A devnet of thousands of
 * relays then needs a few listeners instead of one each. A path no relay holds gets a 404 (and
 * its upgrade a closed socket).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { Socket } from "node:net";
import { createPathRelay, type FakeRelay, listen, type PathRelay } from "./fake-relay.js";
import type { FakeRelayOptions } from "./fake-relay-types.js";

export interface RelayHubOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default any free port. */
  port?: number;
  /** Serve wss:// and https:// with this certificate and key (one for every relay). */
  tls?: { cert: string; key: string };
  /** Each relay's path (`/r1`, or `/` for one at the root) and knobs. */
  relays: readonly { path: string; options: FakeRelayOptions }[];
}

export interface RelayHub {
  readonly port: number;
  /** The relays by path; each one's `url` holds its path. */
  readonly relays: ReadonlyMap<string, FakeRelay>;
  close(): Promise<void>;
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? "/", "http://hub").pathname;
}

/** Starts one listener serving `relays` by path. */
export async function startRelayHub(options: RelayHubOptions): Promise<RelayHub> {
  const relays = new Map<string, PathRelay>();
  for (const { path, options: knobs } of options.relays) {
    if (!path.startsWith("/")) throw new Error(`a relay path starts with "/": ${path}`);
    if (relays.has(path)) throw new Error(`two relays at ${path}`);
    relays.set(path, createPathRelay(knobs));
  }
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const relay = relays.get(pathOf(req));
    if (relay) relay.handleHttp(req, res);
    else res.writeHead(404, { "Content-Type": "text/plain" }).end("no relay here\n");
  };
  const server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  server.on("tlsClientError", () => {});
  server.on("upgrade", (req, socket: Socket, head) => {
    const relay = relays.get(pathOf(req));
    if (relay) relay.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  const host = options.host ?? "127.0.0.1";
  const port = await listen(server, host, options.port ?? 0);
  const authority = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  for (const [path, relay] of relays) {
    await relay.attach(authority, port, path, options.tls !== undefined);
  }
  return {
    port,
    relays,
    async close() {
      await Promise.all([...relays.values()].map((r) => r.close()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
