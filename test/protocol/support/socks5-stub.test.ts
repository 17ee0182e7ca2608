import { connect, type Socket } from "node:net";
import { SocksProxyAgent } from "socks-proxy-agent";
import { describe, expect, it } from "vitest";
import { startFakeRelay } from "../../support/fake-relay.js";
import { generateEvents } from "../../support/fake-user.js";
import { SOCKS5_REPLY, startSocks5Stub } from "../../support/socks5-stub.js";
import { closeAndCheckLeaks, RawClient } from "../devnet/helpers.js";

const own = closeAndCheckLeaks();
const ONION = "devnetrelayaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion";

/** Sends raw bytes and collects the server's answer until it has `want` bytes or closes. */
function exchange(port: number, chunks: Buffer[], want: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let got = Buffer.alloc(0);
    const done = () => {
      socket.destroy();
      resolve(got);
    };
    socket.on("data", (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= want) done();
    });
    socket.on("end", done);
    socket.on("error", reject);
    socket.on("connect", () => {
      for (const c of chunks) socket.write(c);
    });
  });
}

const GREETING = Buffer.from([0x05, 0x01, 0x00]);
const domainRequest = (host: string, port: number, cmd = 0x01) =>
  Buffer.concat([
    Buffer.from([0x05, cmd, 0x00, 0x03, host.length]),
    Buffer.from(host, "latin1"),
    Buffer.from([port >> 8, port & 0xff]),
  ]);

describe("SOCKS5 stub", () => {
  it("CONNECTs by domain name to a fake .onion relay and pipes a websocket", async () => {
    const events = await generateEvents({ count: 5, seed: 8, kinds: [1] });
    const relay = own(await startFakeRelay({ events }));
    const stub = own(
      await startSocks5Stub({
        route: (host) => (host === ONION ? { host: "127.0.0.1", port: relay.port } : null),
      }),
    );
    expect(stub.url).toBe(`socks5h://127.0.0.1:${stub.port}`);
    const agent = new SocksProxyAgent(stub.url);
    const client = await RawClient.connect(`ws://${ONION}/`, { agent });
    expect(await client.req("s", {})).toHaveLength(5);
    expect(stub.requests).toEqual([{ host: ONION, port: 80 }]);
  });

  it("replies 0x04 host unreachable when the route returns null", async () => {
    const stub = own(await startSocks5Stub({ route: () => null }));
    const answer = await exchange(stub.port, [GREETING, domainRequest("nowhere.onion", 80)], 12);
    expect([...answer.subarray(0, 2)]).toEqual([0x05, 0x00]);
    expect(answer[3]).toBe(SOCKS5_REPLY.hostUnreachable);
    expect(stub.requests).toEqual([{ host: "nowhere.onion", port: 80 }]);
  });

  it("parses IPv4 and IPv6 targets, even split across packets", async () => {
    const seen: string[] = [];
    const stub = own(
      await startSocks5Stub({
        route: (host, port) => {
          seen.push(`${host}:${port}`);
          return null;
        },
      }),
    );
    const v4 = Buffer.from([0x05, 0x01, 0x00, 0x01, 10, 1, 2, 3, 0x1f, 0x90]);
    await exchange(stub.port, [GREETING.subarray(0, 1), GREETING.subarray(1), v4], 12);
    const v6 = Buffer.concat([
      Buffer.from([0x05, 0x01, 0x00, 0x04]),
      Buffer.from("20010db8000000000000000000000001", "hex"),
      Buffer.from([0x01, 0xbb]),
    ]);
    await exchange(stub.port, [Buffer.concat([GREETING, v6])], 12);
    expect(seen).toEqual(["10.1.2.3:8080", "2001:db8:0:0:0:0:0:1:443"]);
  });

  it("reports refused connections, unsupported commands and unacceptable methods", async () => {
    const closed = await startFakeRelay();
    const deadPort = closed.port;
    await closed.close();
    const stub = own(
      await startSocks5Stub({ route: () => ({ host: "127.0.0.1", port: deadPort }) }),
    );
    const refused = await exchange(stub.port, [GREETING, domainRequest("a.onion", 80)], 12);
    expect(refused[3]).toBe(SOCKS5_REPLY.connectionRefused);
    const bind = await exchange(stub.port, [GREETING, domainRequest("a.onion", 80, 0x02)], 12);
    expect(bind[3]).toBe(SOCKS5_REPLY.commandNotSupported);
    const auth = await exchange(stub.port, [Buffer.from([0x05, 0x01, 0x02])], 2);
    expect([...auth]).toEqual([0x05, 0xff]);
  });
});
