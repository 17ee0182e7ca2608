import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFakeDns } from "../../../../src/devnet/fake-dns.js";
import { createTestChain } from "../../../../src/devnet/tls-cert.js";
import { checkRelay, NIP66_CHECKS } from "../../../../src/nips/nip66/checks.js";
import {
  type AsnDatabase,
  bundledAsnSource,
  bundledCitySource,
  type GeoDatabase,
  openAsnDatabase,
  openCityDatabase,
} from "../../../../src/utils/geoip.js";
import { type FakeRelay, startFakeRelay } from "../../../support/fake-relay.js";
import { makeUser } from "../../../support/fake-user.js";

/** Every NIP-66 check of one relay at once, on a TLS relay reached by name through fake DNS. */
const relays: FakeRelay[] = [];
let city: GeoDatabase;
let asn: AsnDatabase;
let secretKey: Uint8Array;

beforeAll(async () => {
  const [c, a] = [bundledCitySource(), bundledAsnSource()];
  if (c === null || a === null) throw new Error("optional geo data not installed");
  [city, asn] = await Promise.all([openCityDatabase(c), openAsnDatabase(a)]);
  secretKey = (await makeUser("checks")).secretKey;
}, 30_000);
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

const dns = createFakeDns({
  zone: {
    "relay.test": { a: ["127.0.0.1"], ns: ["ns1.relay.test"], ttl: 60 },
  },
  ptr: { "127.0.0.1": ["localhost"] },
});
const ms = expect.any(Number);

describe("checkRelay", () => {
  it("runs rtt, ssl, dns, geo, net and http; loopback is in no geo/ASN data", async () => {
    const { ca, leaf } = createTestChain();
    const r = await startFakeRelay({ tls: leaf, httpHeaders: { Server: "fake/1.0" } });
    relays.push(r);
    const url = r.url.replace("127.0.0.1", "relay.test");
    const results = await checkRelay(url, {
      network: "clearnet",
      timeoutMs: 1000,
      allowPrivate: true,
      // rtt and http use the transport's trust store; ssl verifies against the test CA.
      allowInsecure: true,
      resolver: dns,
      records: dns,
      rtt: { secretKey },
      ssl: { ca: ca.cert },
      geo: { db: city },
      net: { db: asn },
    });
    expect(results).toEqual({
      rtt: expect.objectContaining({
        status: "ok",
        data: expect.objectContaining({
          read: { status: "ok", ms },
          write: { status: "ok", ms },
          insecure: true,
        }),
      }),
      ssl: expect.objectContaining({
        status: "ok",
        data: expect.objectContaining({ subjectCn: "relay.test", valid: true }),
      }),
      dns: expect.objectContaining({
        status: "ok",
        data: expect.objectContaining({
          ipv4: ["127.0.0.1"],
          ttl: 60,
          domain: "relay.test",
          ns: ["ns1.relay.test"],
          ptr: ["localhost"],
        }),
      }),
      geo: { status: "error", reason: "no location for 127.0.0.1", durationMs: ms },
      net: { status: "error", reason: "no ASN for 127.0.0.1", durationMs: ms },
      http: { status: "ok", data: { server: "fake/1.0" }, durationMs: ms, notes: [] },
    });
    // http read rtt's upgrade: one WebSocket, and the headers are not in rtt's result.
    expect(r.totalConnections).toBe(1);
    expect(results.rtt.status === "ok" && "upgradeHeaders" in results.rtt.data).toBe(false);
  });

  it("every check can be turned off", async () => {
    const off = Object.fromEntries(NIP66_CHECKS.map((name) => [name, false]));
    const results = await checkRelay("wss://relay.test", {
      network: "clearnet",
      timeoutMs: 100,
      ...off,
    });
    for (const name of NIP66_CHECKS) {
      expect(results[name]).toEqual({ status: "skipped", reason: "disabled", durationMs: 0 });
    }
  });

  it("on an overlay, the clearnet checks skip themselves; rtt and http need the proxy", async () => {
    const onion = `ws://${"c".repeat(56)}.onion`;
    const results = await checkRelay(onion, {
      network: "tor",
      timeoutMs: 100,
      geo: { db: city },
      net: { db: asn },
    });
    const proxy = "proxy: tor relays need a SOCKS5 proxy (proxyUrl socks5h://…)";
    expect(results).toEqual({
      rtt: { status: "error", reason: proxy, durationMs: ms },
      ssl: {
        status: "skipped",
        reason: "ssl is a clearnet check (relay is on tor)",
        durationMs: 0,
      },
      dns: {
        status: "skipped",
        reason: "dns is a clearnet check (relay is on tor)",
        durationMs: 0,
      },
      geo: {
        status: "skipped",
        reason: "geo is a clearnet check (relay is on tor)",
        durationMs: 0,
      },
      net: {
        status: "skipped",
        reason: "net is a clearnet check (relay is on tor)",
        durationMs: 0,
      },
      http: { status: "error", reason: proxy, durationMs: ms },
    });
  });
});
