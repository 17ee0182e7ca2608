import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDns } from "../../../src/nips/nip66/dns.js";
import { systemRecordResolver } from "../../../src/utils/dns.js";
import { type DnsServer, startDnsServer } from "../../support/dns-server.js";

/** systemRecordResolver (Node's c-ares) against a small DNS server on 127.0.0.1. */
let server: DnsServer;

beforeAll(async () => {
  server = await startDnsServer({
    ttl: 90,
    records: {
      "relay.example.com A": ["192.0.2.1", "192.0.2.2"],
      "relay.example.com AAAA": ["2001:db8::1"],
      "example.com NS": ["ns1.example.net", "ns2.example.net"],
      "www.example.com CNAME": ["relay.example.com"],
      "1.2.0.192.in-addr.arpa PTR": ["relay.example.com"],
    },
    silent: ["slow.example.com"],
  });
});
afterAll(() => server.close());

const resolver = () => systemRecordResolver({ timeoutMs: 300, servers: [server.address] });

describe("systemRecordResolver", () => {
  it("answers each record type, A and AAAA with their TTL", async () => {
    const r = resolver();
    expect(await r.resolve4("relay.example.com")).toEqual([
      { address: "192.0.2.1", ttl: 90 },
      { address: "192.0.2.2", ttl: 90 },
    ]);
    expect(await r.resolve6("relay.example.com")).toEqual([{ address: "2001:db8::1", ttl: 90 }]);
    expect(await r.resolveNs("example.com")).toEqual(["ns1.example.net", "ns2.example.net"]);
    expect(await r.resolveCname("www.example.com")).toEqual(["relay.example.com"]);
    expect(await r.reverse("192.0.2.1")).toEqual(["relay.example.com"]);
  });

  it("fails with Node's codes: ENOTFOUND for no such name, ETIMEOUT for no reply", async () => {
    const r = resolver();
    await expect(r.resolve4("missing.example.com")).rejects.toMatchObject({ code: "ENOTFOUND" });
    await expect(r.resolve4("slow.example.com")).rejects.toMatchObject({ code: "ETIMEOUT" });
  });

  it("an abort cancels the query", async () => {
    const controller = new AbortController();
    const pending = resolver().resolve4("slow.example.com", controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: "ECANCELLED" });
  });

  it("drives the dns check end to end", async () => {
    const result = await checkDns("wss://relay.example.com", {
      network: "clearnet",
      timeoutMs: 1000,
      resolver: resolver(),
    });
    expect(result).toMatchObject({
      status: "ok",
      data: {
        ipv4: ["192.0.2.1", "192.0.2.2"],
        ipv6: ["2001:db8::1"],
        ttl: 90,
        domain: "example.com",
        ns: ["ns1.example.net", "ns2.example.net"],
        ptr: ["relay.example.com"],
        errors: {},
      },
    });
    expect(server.queries).toContain("PTR 1.2.0.192.in-addr.arpa");
  });
});
