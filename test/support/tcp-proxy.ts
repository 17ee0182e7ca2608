import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP forwarder on 127.0.0.1 in front of a real server, to give clients a real outage:
 * `stop()` cuts every connection and stops listening (new connections are refused), `start()`
 * listens again on the same port. `hold` accepts connections but forwards nothing (a server
 * that hangs).
 */
export interface TcpProxy {
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Accept and forward (false) or accept and say nothing (true). */
  hold: boolean;
  /** Client connections open now (held or forwarded). */
  readonly connections: number;
}

export async function startTcpProxy(
  targetPort: number,
  targetHost = "127.0.0.1",
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const proxy: TcpProxy = {
    get port() {
      return port;
    },
    hold: false,
    get connections() {
      return clients.size;
    },
    async start() {
      if (server) return;
      const s = createServer((client) => {
        sockets.add(client);
        clients.add(client);
        client.on("close", () => {
          sockets.delete(client);
          clients.delete(client);
        });
        client.on("error", () => {});
        if (proxy.hold) return;
        const upstream = createConnection({ host: targetHost, port: targetPort });
        sockets.add(upstream);
        upstream.on("close", () => sockets.delete(upstream));
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => resolve());
      });
      const address = s.address();
      port = typeof address === "object" && address ? address.port : port;
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await proxy.start();
  return proxy;
}
