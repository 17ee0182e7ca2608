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

/** A fake relay served by a hub at a path of a shared port (relay-hub.ts). */
export interface PathRelay extends FakeRelay {
  /** Takes its URLs: `ws(s)://authority` + `path`. */
  attach(authority: string, port: number, path: string, secure: boolean): Promise<void>;
  handleHttp(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
}

/** The page a web server answers an upgrade with when nothing speaks WebSocket behind it. */
const HTML_PAGE = "<!doctype html><html><body><h1>Welcome</h1><p>It works.</p></body></html>\n";

function refuseUpgrade(socket: Socket, opts: FakeRelayOptions): void {
  // An upgrade's socket has no error listener of the server's: a client resetting it while the
  // answer is written would crash the process (the soak saw ECONNRESET there).
  socket.on("error", () => socket.destroy());
  if (opts.refuseMode === "destroy") {
    socket.destroy();
    return;
  }
  const extra = Object.entries(opts.httpHeaders ?? {}).map(([k, v]) => `${k}: ${v}\r\n`);
  const html = opts.refuseMode === "html";
  const status = html ? "200 OK" : "503 Service Unavailable";
  const body = html ? HTML_PAGE : "unavailable\n";
  socket.end(
    `HTTP/1.1 ${status}\r\n${extra.join("")}Content-Type: text/${html ? "html" : "plain"}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Listens on `host:port` (0: any free port) and resolves with the port it got. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

class FakeRelayServer implements PathRelay {
  url = "";
  httpUrl = "";
  port = 0;
  options: FakeRelayOptions;
  readonly received: unknown[] = [];
  totalConnections = 0;
  refusedConnections = 0;
  readonly #store = new EventStore();
  /** Its own listener; null for a relay served by path on a shared one (relay-hub.ts). */
  readonly #server: Server | null;
  /** A relay by path that was stopped: its requests are dropped (its hub keeps listening). */
  #down = false;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  readonly #connections = new Map<WebSocket, RelayConnection>();
  readonly #httpTimers = new Set<NodeJS.Timeout>();
  #ctx: RelayContext | undefined;
  #closed = false;

  constructor(opts: FakeRelayOptions, ownListener = true) {
    this.options = { ...opts };
    this.#store.addMany(opts.events ?? []);
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handleHttp(req, res);
    this.#server = !ownListener
      ? null
      : opts.tls
        ? createTlsServer(opts.tls, handler)
        : createServer(handler);
    // A client that gives up on our certificate must not crash the relay.
    this.#server?.on("tlsClientError", () => {});
    this.#server?.on("upgrade", (req, socket, head) =>
      this.handleUpgrade(req, socket as Socket, head),
    );
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
    const host = this.options.host ?? "127.0.0.1";
    if (this.#server === null) throw new Error("a relay served by path is started by its hub");
    const port = await listen(this.#server, host, this.options.port ?? 0);
    const hostPart = host.includes(":") ? `[${host}]` : host;
    await this.attach(`${hostPart}:${port}`, port, "", this.options.tls !== undefined);
  }

  /** Takes its URLs (`authority` + `path`) and its context; start() or a hub calls it. */
  async attach(authority: string, port: number, path: string, secure: boolean): Promise<void> {
    const wasm = await loadNostrWasm();
    this.port = port;
    this.url = `${secure ? "wss" : "ws"}://${authority}${path}`;
    this.httpUrl = `${secure ? "https" : "http"}://${authority}${path}`;
    this.#ctx = {
      url: this.url,
      store: this.#store,
      wasm,
      options: () => this.options,
      record: (m) => this.received.push(m),
      broadcast: (ev) => this.#broadcast(ev),
    };
  }

  /** Plain HTTP on its URL: NIP-11 and the rest (nip11.ts). */
  handleHttp(req: IncomingMessage, res: ServerResponse): void {
    if (this.#down) {
      res.socket?.destroy();
      return;
    }
    handleHttpRequest(req, res, this.options, this.#httpTimers);
  }

  /** A WebSocket upgrade on its URL, answered as its knobs say. */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (this.#down) {
      socket.destroy();
      return;
    }
    const delay = this.options.upgradeDelayMs ?? 0;
    if (delay <= 0) {
      this.#upgrade(req, socket, head);
      return;
    }
    socket.on("error", () => socket.destroy());
    const timer = setTimeout(() => {
      this.#httpTimers.delete(timer);
      if (!socket.destroyed) this.#upgrade(req, socket, head);
    }, delay);
    this.#httpTimers.add(timer);
  }

  #upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (this.options.refuse) {
      this.refusedConnections++;
      refuseUpgrade(socket, this.options);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, socket));
  }

  #onConnection(ws: WebSocket, socket: Socket): void {
    const ctx = this.#ctx;
    if (ctx === undefined) {
      ws.terminate();
      return;
    }
    this.totalConnections++;
    const conn = new RelayConnection(ws, ctx, socket);
    this.#connections.set(ws, conn);
    if (this.options.disconnectOn === "open") conn.drop();
    const lifetime = this.options.closeAfterMs;
    const timer = lifetime === undefined ? undefined : setTimeout(() => conn.drop(), lifetime);
    ws.on("message", (data) => conn.handleFrame(data));
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      clearTimeout(timer);
      conn.dispose();
      this.#connections.delete(ws);
    });
  }

  dropConnections(): void {
    for (const conn of this.#connections.values()) conn.drop();
  }

  #broadcast(ev: NostrEvent): void {
    for (const conn of this.#connections.values()) conn.pushLive(ev);
  }

  addEvents(events: NostrEvent[]): void {
    const fresh = events.filter((ev) => !this.#store.has(ev.id));
    this.#store.addMany(fresh);
    for (const ev of fresh) this.#broadcast(ev);
  }

  get listening(): boolean {
    return this.#server === null ? !this.#down : this.#server.listening;
  }

  /** Stops listening (connection refused) and drops every socket; the events stay. */
  async stop(): Promise<void> {
    for (const t of this.#httpTimers) clearTimeout(t);
    this.#httpTimers.clear();
    for (const [ws, conn] of this.#connections) {
      conn.dispose();
      ws.terminate();
    }
    this.#connections.clear();
    const server = this.#server;
    if (server === null) this.#down = true;
    if (server === null || !server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same host and port, with the same events. */
  async restart(): Promise<void> {
    if (this.#server === null) this.#down = this.#closed;
    if (this.#closed || this.#server === null || this.#server.listening) return;
    await listen(this.#server, this.options.host ?? "127.0.0.1", this.port);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

/**
 * A fake relay without a listener of its own: a hub (relay-hub.ts) serves it at a path of a
 * shared port, passing it that path's requests and upgrades.
 */
export function createPathRelay(opts: FakeRelayOptions): PathRelay {
  return new FakeRelayServer(opts, false);
}

/** Starts a loopback NIP-01 relay with fault-injection knobs (see FakeRelayOptions). */
export async function startFakeRelay(opts: FakeRelayOptions = {}): Promise<FakeRelay> {
  const relay = new FakeRelayServer(opts);
  await relay.start();
  return relay;
}
