import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { openWebSocket } from "../../../src/utils/transport.js";

let server: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

async function listen(perMessageDeflate: boolean): Promise<string> {
  server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate });
  await once(server, "listening");
  server.on("connection", (ws) => ws.on("message", (data) => ws.send(data)));
  const { port } = server.address() as { port: number };
  return `ws://127.0.0.1:${port}`;
}

describe("openWebSocket compression", () => {
  it("negotiates permessage-deflate when the relay offers it, and messages round-trip", async () => {
    const url = await listen(true);
    const { ws } = await openWebSocket(url, {
      network: "clearnet",
      timeoutMs: 2000,
      allowPrivate: true,
    });
    try {
      expect(ws.extensions).toContain("permessage-deflate");
      const big = JSON.stringify(["EVENT", "x", { content: "a".repeat(100_000) }]);
      ws.send(big);
      const [reply] = await once(ws, "message");
      expect(String(reply)).toBe(big);
    } finally {
      ws.terminate();
    }
  });

  it("works uncompressed with a relay that does not offer it", async () => {
    const url = await listen(false);
    const { ws } = await openWebSocket(url, {
      network: "clearnet",
      timeoutMs: 2000,
      allowPrivate: true,
    });
    try {
      expect(ws.extensions).toBe("");
    } finally {
      ws.terminate();
    }
  });
});
