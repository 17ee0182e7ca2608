import { beforeAll, describe, expect, it } from "vitest";
import { createFakeDns } from "../../../../src/devnet/fake-dns.js";
import { checkGeo, lookupGeo } from "../../../../src/nips/nip66/geo.js";
import { checkNet, lookupNet } from "../../../../src/nips/nip66/net.js";
import {
  type AsnDatabase,
  bundledAsnSource,
  bundledCitySource,
  type GeoDatabase,
  openAsnDatabase,
  openCityDatabase,
} from "../../../../src/utils/geoip.js";

/**
 * The geo and net lookups on the data bundled through npm (DB-IP Lite City mmdb, the
 * ip-location-db ASN CSVs). Loopback addresses are in neither, so public-looking literals
 * are looked up directly, and the checks resolve made-up names through a fake resolver:
 * these are local file reads, nothing is sent anywhere.
 */
let city: GeoDatabase;
let asn: AsnDatabase;

beforeAll(async () => {
  const citySource = bundledCitySource();
  const asnSource = bundledAsnSource();
  if (citySource === null || asnSource === null) throw new Error("optional geo data not installed");
  [city, asn] = await Promise.all([openCityDatabase(citySource), openAsnDatabase(asnSource)]);
}, 30_000);

const resolver = createFakeDns({
  zone: {
    "relay.example.com": { a: ["8.8.8.8"], aaaa: ["2001:4860:4860::8888"] },
    "v6.example.com": { aaaa: ["2a01:4f9::1"] },
    "local.example.com": { a: ["127.0.0.1"] },
  },
});
const base = { network: "clearnet" as const, resolver, timeoutMs: 500 };

describe("lookupGeo (DB-IP Lite City)", () => {
  it("8.8.8.8 → Mountain View, US, with a 9-character geohash", () => {
    expect(lookupGeo(city, "8.8.8.8")).toEqual({
      ip: "8.8.8.8",
      country: "US",
      region: "California",
      city: "Mountain View",
      lat: 37.422,
      lon: -122.085,
      geohash: "9q9hvukqv",
    });
  });

  it("95.216.1.1 → Helsinki, FI; IPv6 from the IPv6 file; precision as asked", () => {
    expect(lookupGeo(city, "95.216.1.1")).toMatchObject({
      country: "FI",
      city: "Helsinki",
      geohash: "ud9wr3xe4",
    });
    expect(lookupGeo(city, "2a01:4f9::1", 5)).toMatchObject({
      ip: "2a01:4f9::1",
      country: "DE",
      geohash: "u0zck",
    });
  });

  it("a v4-mapped IPv6 literal (either spelling) is looked up as IPv4", () => {
    expect(lookupGeo(city, "::ffff:8.8.8.8")).toMatchObject({
      country: "US",
      city: "Mountain View",
    });
    expect(lookupGeo(city, "::ffff:808:808")).toMatchObject({
      country: "US",
      city: "Mountain View",
    });
  });

  it("private, loopback and non-addresses have no location", () => {
    for (const ip of ["127.0.0.1", "10.1.2.3", "::1", "relay.example.com"]) {
      expect(lookupGeo(city, ip)).toBeNull();
    }
  });
});

describe("lookupNet (ip-location-db ASN)", () => {
  it("8.8.8.8 → AS15169 Google LLC, with both networks", () => {
    expect(lookupNet(asn, { ipv4: "8.8.8.8", ipv6: "2001:4860:4860::8888" })).toEqual({
      ipv4: "8.8.8.8",
      ipv6: "2001:4860:4860::8888",
      asn: 15169,
      asnOrg: "Google LLC",
      network: "8.8.8.0/24",
      networkV6: "2001:4860:4840::/42",
    });
  });

  it("95.216.1.1 → AS24940 Hetzner; an IPv6-only host takes its ASN from IPv6", () => {
    expect(lookupNet(asn, { ipv4: "95.216.1.1" })).toEqual({
      ipv4: "95.216.1.1",
      asn: 24940,
      asnOrg: "Hetzner Online GmbH",
      network: "95.216.0.0/15",
    });
    expect(lookupNet(asn, { ipv6: "2a01:4f9::1" })).toMatchObject({
      asn: 24940,
      networkV6: "2a01:4f8::/31",
    });
    expect(lookupNet(asn, { ipv4: "127.0.0.1" })).toBeNull();
  });
});

describe("checkGeo and checkNet", () => {
  it("resolve the host (IPv4 first) and look it up", async () => {
    expect(await checkGeo("wss://relay.example.com", { ...base, db: city })).toMatchObject({
      status: "ok",
      data: { ip: "8.8.8.8", country: "US", geohash: "9q9hvukqv" },
    });
    expect(await checkNet("wss://relay.example.com", { ...base, db: asn })).toMatchObject({
      status: "ok",
      data: { ipv4: "8.8.8.8", ipv6: "2001:4860:4860::8888", asn: 15169 },
    });
    expect(await checkGeo("wss://v6.example.com", { ...base, db: city })).toMatchObject({
      status: "ok",
      data: { ip: "2a01:4f9::1", country: "DE" },
    });
    expect(await checkGeo("wss://95.216.1.1:7777", { ...base, db: city })).toMatchObject({
      status: "ok",
      data: { ip: "95.216.1.1", city: "Helsinki" },
    });
  });

  it("an address the data does not know, or a name that does not resolve, is an error", async () => {
    expect(await checkGeo("ws://local.example.com", { ...base, db: city })).toEqual({
      status: "error",
      reason: "no location for 127.0.0.1",
      durationMs: expect.any(Number),
    });
    expect(await checkNet("ws://local.example.com", { ...base, db: asn })).toMatchObject({
      status: "error",
      reason: "no ASN for 127.0.0.1",
    });
    expect(await checkNet("wss://gone.example.com", { ...base, db: asn })).toMatchObject({
      status: "error",
      reason: "gone.example.com: lookup failed (ENOTFOUND)",
    });
  });

  it("a database that throws is an error, not an exception", async () => {
    const broken = {
      description: "broken",
      city: () => {
        throw new Error("corrupt");
      },
    };
    expect(await checkGeo("wss://relay.example.com", { ...base, db: broken })).toMatchObject({
      status: "error",
      reason: "database lookup failed: Error: corrupt",
    });
    const brokenAsn = {
      description: "broken",
      asn: () => {
        throw new Error("corrupt");
      },
    };
    expect(await checkNet("wss://relay.example.com", { ...base, db: brokenAsn })).toMatchObject({
      status: "error",
      reason: "database lookup failed: Error: corrupt",
    });
  });

  it("skip overlays and a missing database", async () => {
    const onion = `ws://${"a".repeat(56)}.onion`;
    expect(await checkGeo(onion, { ...base, network: "tor", db: city })).toEqual({
      status: "skipped",
      reason: "geo is a clearnet check (relay is on tor)",
      durationMs: 0,
    });
    expect(await checkNet(onion, { ...base, network: "i2p", db: asn })).toMatchObject({
      status: "skipped",
      reason: "net is a clearnet check (relay is on i2p)",
    });
    expect(await checkGeo("wss://relay.example.com", { ...base, db: null })).toMatchObject({
      status: "skipped",
      reason: "no City database configured",
    });
    expect(await checkNet("wss://relay.example.com", { ...base, db: null })).toMatchObject({
      status: "skipped",
      reason: "no ASN database configured",
    });
  });
});
