import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import type { NostrEvent } from "../models/event-types.js";
import { loadNostrWasm } from "./crypto.js";
import { EventStore } from "./event-store.js";
import type { FakeRelay, FakeRelayOptions } from "./fake-relay-types.js";
import { handleHttpRequest } from "./nip11.js";
import { RelayConnection, type RelayContext } from "./relay-connection.js";

export type { FakeRelay, FakeRelayOptions } from "./fake-relay-types.js";
export { DEFAULT_MAX_LIMIT, defaultNip11 } from "./fake-relay-types.js";

function refuseUpgrade(socket: Socket, opts: FakeRelayOptions): void {
  // An upgrade's socket has no error listener of the server's: a client resetting it while the
  // answer is written would crash the process (the soak saw ECONNRESET there).
  socket.on("error", () => socket.destroy());
  if (opts.refuseMode === "destroy") {
    socket.destroy();
    return;
  }
  const extra = Object.entries(opts.httpHeaders ?? {}).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\n${extra.join("")}Content-Type: text/plain\r\n` +
      "Content-Length: 12\r\nConnection: close\r\n\r\nunavailable\n",
  );
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

class FakeRelayServer implements FakeRelay {
  url = "";
  httpUrl = "";
  port = 0;
  options: FakeRelayOptions;
  readonly received: unknown[] = [];
  totalConnections = 0;
  refusedConnections = 0;
  readonly #store = new EventStore();
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  readonly #connections = new Map<WebSocket, RelayConnection>();
  readonly #httpTimers = new Set<NodeJS.Timeout>();
  #ctx: RelayContext | undefined;

  constructor(opts: FakeRelayOptions) {
    this.options = { ...opts };
    this.#store.addMany(opts.events ?? []);
    const handler = (req: IncomingMessage, res: ServerResponse) =>
      handleHttpRequest(req, res, this.options, this.#httpTimers);
    this.#server = opts.tls ? createTlsServer(opts.tls, handler) : createServer(handler);
    // A client that gives up on our certificate must not crash the relay.
    this.#server.on("tlsClientError", () => {});
    this.#server.on("upgrade", (req, socket, head) => this.#onUpgrade(req, socket as Socket, head));
    this.#wss.on("headers", (headers) => {
      for (const [k, v] of Object.entries(this.options.httpHeaders ?? {}))
        headers.push(`${k}: ${v}`);
    });
  }

  get events(): NostrEvent[] {
    return this.#store.events;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  async start(): Promise<void> {
    const wasm = await loadNostrWasm();
    const host = this.options.host ?? "127.0.0.1";
    this.port = await listen(this.#server, host, this.options.port ?? 0);
    const hostPart = host.includes(":") ? `[${host}]` : host;
    const secure = this.options.tls !== undefined;
    this.url = `${secure ? "wss" : "ws"}://${hostPart}:${this.port}`;
    this.httpUrl = `${secure ? "https" : "http"}://${hostPart}:${this.port}`;
    this.#ctx = {
      url: this.url,
      store: this.#store,
      wasm,
      options: () => this.options,
      record: (m) => this.received.push(m),
      broadcast: (ev) => this.#broadcast(ev),
    };
  }

  #onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (this.options.refuse) {
      this.refusedConnections++;
      refuseUpgrade(socket, this.options);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws));
  }

  #onConnection(ws: WebSocket): void {
    const ctx = this.#ctx;
    if (ctx === undefined) {
      ws.terminate();
      return;
    }
    this.totalConnections++;
    const conn = new RelayConnection(ws, ctx);
    this.#connections.set(ws, conn);
    if (this.options.disconnectOn === "open") conn.drop();
    ws.on("message", (data) => conn.handleFrame(data));
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      conn.dispose();
      this.#connections.delete(ws);
    });
  }

  #broadcast(ev: NostrEvent): void {
    for (const conn of this.#connections.values()) conn.pushLive(ev);
  }

  addEvents(events: NostrEvent[]): void {
    const fresh = events.filter((ev) => !this.#store.has(ev.id));
    this.#store.addMany(fresh);
    for (const ev of fresh) this.#broadcast(ev);
  }

  async close(): Promise<void> {
    for (const t of this.#httpTimers) clearTimeout(t);
    this.#httpTimers.clear();
    for (const [ws, conn] of this.#connections) {
      conn.dispose();
      ws.terminate();
    }
    this.#connections.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}

/** Starts a loopback NIP-01 relay with fault-injection knobs (see FakeRelayOptions). */
export async function startFakeRelay(opts: FakeRelayOptions = {}): Promise<FakeRelay> {
  const relay = new FakeRelayServer(opts);
  await relay.start();
  return relay;
}
