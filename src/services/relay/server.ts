/**
 * The relay's HTTP server: NIP-11 to a GET asking for application/nostr+json, a WebSocket
 * for everything else, refused at the upgrade (HTTP 429/503) past the per-address and total
 * connection limits. Messages above max_message_length close the connection (1009).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { RelayConnection } from "./connection.js";
import { nip11Document } from "./nip11.js";
import type { RelayRuntime } from "./runtime.js";

const CLOSE_GRACE_MS = 2000;

export interface RelayServer {
  /** ws://host:port as bound (port 0 resolved). */
  readonly url: string;
  close(): Promise<void>;
}

function serveNip11(runtime: RelayRuntime, req: IncomingMessage, res: ServerResponse): void {
  const cors = {
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "*",
    "access-control-allow-methods": "GET, OPTIONS",
  };
  if ((req.headers.accept ?? "").includes("application/nostr+json")) {
    res.writeHead(200, { ...cors, "content-type": "application/nostr+json" });
    res.end(JSON.stringify(nip11Document(runtime.config, runtime.profile)));
    return;
  }
  res.writeHead(200, { ...cors, "content-type": "text/plain; charset=utf-8" });
  res.end("A read-only Nostr relay serving a bigbrotr archive: connect with a Nostr client.\n");
}

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Open connections per client address, and in all. */
function connectionCounter(runtime: RelayRuntime) {
  const perIp = new Map<string, number>();
  let total = 0;
  const limits = runtime.config.limits;
  return {
    /** The refusal status, or null after counting the connection in. */
    admit(ip: string): string | null {
      if (total >= limits.max_connections) {
        runtime.metrics.refusals.inc({ reason: "connections" });
        return "503 Service Unavailable";
      }
      const n = perIp.get(ip) ?? 0;
      if (n >= limits.max_connections_per_ip) {
        runtime.metrics.refusals.inc({ reason: "connections_per_ip" });
        return "429 Too Many Requests";
      }
      perIp.set(ip, n + 1);
      total += 1;
      runtime.metrics.connections.set({}, total);
      return null;
    },
    release(ip: string): void {
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
      total -= 1;
      runtime.metrics.connections.set({}, total);
    },
  };
}

/** Starts listening; resolves once bound, rejects when it cannot bind. */
export function startRelayServer(runtime: RelayRuntime): Promise<RelayServer> {
  const { host, port } = runtime.config.server;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: runtime.config.limits.max_message_length,
  });
  const counter = connectionCounter(runtime);
  const http = createServer((req, res) => serveNip11(runtime, req, res));
  http.on("upgrade", (req, socket, head) => {
    const ip = req.socket.remoteAddress ?? "unknown";
    const refused = counter.admit(ip);
    if (refused !== null) return refuseUpgrade(socket, refused);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("close", () => counter.release(ip));
      ws.on("error", (err: Error & { code?: string }) => {
        if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
          runtime.metrics.refusals.inc({ reason: "message_too_large" });
        }
      });
      const host = req.headers.host;
      new RelayConnection(ws, runtime, { socket, ip, ...(host === undefined ? {} : { host }) });
    });
  });
  return new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => {
      http.off("error", reject);
      const info = http.address() as AddressInfo;
      const shown = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `ws://${shown}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const ws of wss.clients) ws.close(1001, "relay shutting down");
            // A client that does not answer the close frame is cut after a grace period.
            const force = setTimeout(() => {
              for (const ws of wss.clients) ws.terminate();
            }, CLOSE_GRACE_MS);
            force.unref();
            wss.close();
            http.close(() => {
              clearTimeout(force);
              done();
            });
            http.closeAllConnections();
          }),
      });
    });
  });
}
