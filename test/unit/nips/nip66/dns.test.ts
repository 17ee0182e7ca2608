import { describe, expect, it } from "vitest";
import { createFakeDns, type FakeDnsOptions } from "../../../../src/devnet/fake-dns.js";
import { checkDns } from "../../../../src/nips/nip66/dns.js";

/** The dns check through the devnet's fake resolver: no packet leaves the process. */
const zone: FakeDnsOptions["zone"] = {
  "relay.example.co.uk": { a: ["192.0.2.10", "192.0.2.11"], aaaa: ["2001:db8::10"], ttl: 120 },
  "example.co.uk": { ns: ["ns2.dns.example", "ns1.dns.example"] },
  "www.example.org": { cname: "edge.cdn.example" },
  "edge.cdn.example": { a: ["198.51.100.7"], ttl: 30 },
  "example.org": { ns: ["a.iana-servers.net"] },
  "v6only.example.net": { aaaa: ["2001:db8::99"], ttl: 600 },
  "noaddr.example.net": { ns: ["ns.example.net"] },
};
const ptr = { "192.0.2.10": ["host-10.example.co.uk"], "2001:db8::99": ["v6.example.net"] };
const base = { network: "clearnet" as const, timeoutMs: 500 };

describe("checkDns", () => {
  it("A (with TTL and query time), AAAA, NS of the registrable domain, PTR of the first A", async () => {
    const resolver = createFakeDns({ zone, ptr });
    const result = await checkDns("wss://relay.example.co.uk/", { ...base, resolver });
    expect(result).toEqual({
      status: "ok",
      data: {
        ipv4: ["192.0.2.10", "192.0.2.11"],
        ipv6: ["2001:db8::10"],
        ttl: 120,
        queryMs: expect.any(Number),
        domain: "example.co.uk",
        ns: ["ns1.dns.example", "ns2.dns.example"],
        ptr: ["host-10.example.co.uk"],
        errors: {},
      },
      durationMs: expect.any(Number),
      notes: [],
    });
    expect(resolver.queries).toEqual([
      "A relay.example.co.uk",
      "AAAA relay.example.co.uk",
      "CNAME relay.example.co.uk",
      "NS example.co.uk",
      "PTR 192.0.2.10",
    ]);
  });

  it("a CNAME is reported and its target's addresses are the host's", async () => {
    const result = await checkDns("wss://www.example.org", {
      ...base,
      resolver: createFakeDns({ zone, ptr }),
    });
    expect(result).toMatchObject({
      status: "ok",
      data: {
        ipv4: ["198.51.100.7"],
        ipv6: [],
        ttl: 30,
        cname: "edge.cdn.example",
        domain: "example.org",
        ns: ["a.iana-servers.net"],
        ptr: [],
        errors: {},
      },
    });
  });

  it("IPv6 only: TTL and PTR from the AAAA answer", async () => {
    const result = await checkDns("wss://v6only.example.net", {
      ...base,
      resolver: createFakeDns({ zone, ptr }),
    });
    expect(result).toMatchObject({
      status: "ok",
      data: { ipv4: [], ipv6: ["2001:db8::99"], ttl: 600, ptr: ["v6.example.net"], errors: {} },
    });
  });

  it("each record type fails on its own, and only real failures are errors", async () => {
    const resolver = createFakeDns({
      zone,
      ptr,
      failures: { "example.co.uk": { NS: "ESERVFAIL" }, "192.0.2.10": { PTR: "ETIMEOUT" } },
    });
    const result = await checkDns("wss://relay.example.co.uk", { ...base, resolver });
    expect(result).toMatchObject({
      status: "ok",
      data: {
        ipv4: ["192.0.2.10", "192.0.2.11"],
        ns: [],
        ptr: [],
        errors: {
          ns: "queryNS ESERVFAIL example.co.uk",
          ptr: "queryPTR ETIMEOUT 192.0.2.10",
        },
      },
    });
  });

  it("no such name, or no address, is an error", async () => {
    const resolver = createFakeDns({ zone, ptr });
    expect(await checkDns("wss://missing.example.com", { ...base, resolver })).toEqual({
      status: "error",
      reason: "missing.example.com: no such name",
      durationMs: expect.any(Number),
    });
    expect(await checkDns("wss://noaddr.example.net", { ...base, resolver })).toMatchObject({
      status: "error",
      reason: "noaddr.example.net: no A or AAAA record",
    });
    const broken = createFakeDns({
      zone,
      failures: { "relay.example.co.uk": { A: "EREFUSED", AAAA: "EREFUSED" } },
    });
    expect(
      await checkDns("wss://relay.example.co.uk", { ...base, resolver: broken }),
    ).toMatchObject({
      status: "error",
      reason:
        "relay.example.co.uk: queryA EREFUSED relay.example.co.uk; queryAAAA EREFUSED relay.example.co.uk",
    });
  });

  it("a resolver slower than the budget times out, and is retried as asked", async () => {
    const resolver = createFakeDns({ zone, delayMs: 200 });
    const retry = { retries: 1, initialDelayMs: 5, jitterMs: 0 };
    const result = await checkDns("wss://relay.example.co.uk", {
      ...base,
      timeoutMs: 50,
      resolver,
      retry,
    });
    expect(result).toEqual({
      status: "error",
      reason: "relay.example.co.uk: DNS timed out after 50 ms (2 attempts)",
      durationMs: expect.any(Number),
    });
    expect(resolver.queries.filter((q) => q.startsWith("A "))).toHaveLength(2);
  });

  it("skips IP literals and overlay relays", async () => {
    const resolver = createFakeDns({ zone });
    expect(await checkDns("wss://192.0.2.10", { ...base, resolver })).toEqual({
      status: "skipped",
      reason: "host is an IP address (no DNS name)",
      durationMs: 0,
    });
    expect(await checkDns("ws://abc.onion", { ...base, network: "tor", resolver })).toEqual({
      status: "skipped",
      reason: "dns is a clearnet check (relay is on tor)",
      durationMs: 0,
    });
    expect(resolver.queries).toEqual([]);
  });
});
