import { connect, createServer, type Server, type Socket } from "node:net";

// A minimal RFC 1928 SOCKS5 server for tests: no-auth only, CONNECT only, address types
// IPv4 / domain name / IPv6. `route` decides where a requested host:port really goes, so a
// fake ".onion" relay can live on 127.0.0.1 without tor.

export interface Socks5Target {
  host: string;
  port: number;
}

export interface Socks5StubOptions {
  route: (host: string, port: number) => Socks5Target | null;
  host?: string;
}

export interface Socks5Stub {
  readonly port: number;
  /** socks5h://127.0.0.1:port (the "h": names are resolved by the proxy). */
  readonly url: string;
  readonly requests: Socks5Target[];
  close(): Promise<void>;
}

export const SOCKS5_REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

function reply(socket: Socket, code: number): void {
  // VER, REP, RSV, ATYP=IPv4, BND.ADDR 0.0.0.0, BND.PORT 0
  socket.write(Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
}

function ipv6ToString(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(":");
}

type Parsed<T> = { value: T; rest: Buffer } | "need-more" | { error: number };

/** Greeting: VER NMETHODS METHODS... */
function parseGreeting(buf: Buffer): Parsed<number[]> {
  if (buf.length < 2) return "need-more";
  const n = buf[1] ?? 0;
  if (buf.length < 2 + n) return "need-more";
  return { value: [...buf.subarray(2, 2 + n)], rest: buf.subarray(2 + n) };
}

/** Request: VER CMD RSV ATYP DST.ADDR DST.PORT */
function parseRequest(buf: Buffer): Parsed<Socks5Target> {
  if (buf.length < 5) return "need-more";
  if (buf[1] !== 0x01) return { error: SOCKS5_REPLY.commandNotSupported };
  const atyp = buf[3];
  let host: string;
  let offset: number;
  if (atyp === 0x01) {
    offset = 8;
    if (buf.length < offset + 2) return "need-more";
    host = [...buf.subarray(4, 8)].join(".");
  } else if (atyp === 0x03) {
    const len = buf[4] ?? 0;
    offset = 5 + len;
    if (buf.length < offset + 2) return "need-more";
    host = buf.subarray(5, offset).toString("latin1");
  } else if (atyp === 0x04) {
    offset = 20;
    if (buf.length < offset + 2) return "need-more";
    host = ipv6ToString(buf.subarray(4, 20));
  } else {
    return { error: SOCKS5_REPLY.addressTypeNotSupported };
  }
  return { value: { host, port: buf.readUInt16BE(offset) }, rest: buf.subarray(offset + 2) };
}

function failureCode(err: NodeJS.ErrnoException): number {
  if (err.code === "ECONNREFUSED") return SOCKS5_REPLY.connectionRefused;
  if (err.code === "ENETUNREACH") return SOCKS5_REPLY.networkUnreachable;
  if (err.code === "EHOSTUNREACH" || err.code === "ENOTFOUND") return SOCKS5_REPLY.hostUnreachable;
  return SOCKS5_REPLY.generalFailure;
}

interface StubContext {
  route: Socks5StubOptions["route"];
  requests: Socks5Target[];
  sockets: Set<Socket>;
}

function track(ctx: StubContext, socket: Socket): void {
  ctx.sockets.add(socket);
  socket.on("close", () => ctx.sockets.delete(socket));
  socket.on("error", () => socket.destroy());
}

function openUpstream(client: Socket, ctx: StubContext, target: Socks5Target, early: Buffer) {
  ctx.requests.push(target);
  const to = ctx.route(target.host, target.port);
  if (to === null) {
    reply(client, SOCKS5_REPLY.hostUnreachable);
    client.end();
    return;
  }
  const upstream = connect(to.port, to.host);
  track(ctx, upstream);
  const onFailure = (err: NodeJS.ErrnoException) => {
    reply(client, failureCode(err));
    client.end();
  };
  upstream.once("error", onFailure);
  upstream.once("connect", () => {
    upstream.off("error", onFailure);
    reply(client, SOCKS5_REPLY.succeeded);
    if (early.length > 0) upstream.write(early);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.resume();
  });
}

/** Runs the greeting and request phases on a fresh client socket, then hands over to piping. */
function handleClient(client: Socket, ctx: StubContext): void {
  track(ctx, client);
  let buf: Buffer = Buffer.alloc(0);
  let stage: "greeting" | "request" = "greeting";
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (buf[0] !== 0x05) {
      client.destroy();
      return;
    }
    if (stage === "greeting") {
      const greeting = parseGreeting(buf);
      if (greeting === "need-more" || "error" in greeting) return;
      if (!greeting.value.includes(0x00)) {
        client.end(Buffer.from([0x05, 0xff]));
        return;
      }
      client.write(Buffer.from([0x05, 0x00]));
      buf = greeting.rest;
      stage = "request";
      if (buf.length === 0) return;
    }
    const request = parseRequest(buf);
    if (request === "need-more") return;
    client.off("data", onData);
    client.pause();
    if ("error" in request) {
      reply(client, request.error);
      client.end();
      return;
    }
    openUpstream(client, ctx, request.value, request.rest);
  };
  client.on("data", onData);
}

/** Starts the stub on 127.0.0.1 (ephemeral port). */
export async function startSocks5Stub(opts: Socks5StubOptions): Promise<Socks5Stub> {
  const ctx: StubContext = { route: opts.route, requests: [], sockets: new Set() };
  const server: Server = createServer((client) => handleClient(client, ctx));
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    url: `socks5h://${host}:${port}`,
    requests: ctx.requests,
    close: async () => {
      for (const s of ctx.sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
