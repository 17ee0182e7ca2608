import { once } from "node:events";
import net from "node:net";
import { describe, expect, it } from "vitest";

describe("test network guard", () => {
  it("refuses a public IP before connecting", () => {
    expect(() => net.connect({ host: "1.1.1.1", port: 443 })).toThrow(/outside 127\.0\.0\.1/);
    expect(() => net.connect(443, "8.8.8.8")).toThrow(/outside 127\.0\.0\.1/);
  });

  it("refuses a name that resolves outside loopback", async () => {
    const socket = net.connect({
      host: "relay.example.org",
      port: 443,
      lookup: (_h, _o, cb) =>
        (cb as (e: null, a: string, f: number) => void)(null, "93.184.215.14", 4),
    });
    const [error] = await once(socket, "error");
    expect((error as Error).message).toMatch(/relay\.example\.org \(93\.184\.215\.14\)/);
  });

  it("lets loopback through", async () => {
    const server = net.createServer((s) => s.end()).listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect({ host: "127.0.0.1", port });
    await once(socket, "connect");
    socket.destroy();
    server.close();
  });
});
