/**
 * The monitor on TLS relays (a CA-signed one reached by name through fake DNS, a self-signed
 * one) and on a Tor relay through a SOCKS5 proxy: what each check stores, and which checks an
 * overlay relay skips.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import { createFakeDns } from "../../../src/devnet/fake-dns.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { createTestCertificate, createTestChain } from "../../../src/devnet/tls-cert.js";
import { monitorConfigSchema } from "../../../src/services/monitor/config.js";
import { createMonitor } from "../../../src/services/monitor/service.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { type Socks5Stub, startSocks5Stub } from "../../support/socks5-stub.js";
import { history } from "./helpers.js";

const ONION = `${"m".repeat(56)}.onion`;
let db: TestDatabase;
let stub: Socks5Stub;
const relays: FakeRelay[] = [];
const url: Record<string, string> = {};
const chain = createTestChain({ commonName: "relay.test", altNames: ["relay.test"] });
const dns = createFakeDns({
  zone: {
    "relay.test": { a: ["127.0.0.1"], ns: ["ns1.relay.test"], ttl: 300 },
    "self.test": { a: ["127.0.0.1"], ttl: 300 },
  },
});

beforeAll(async () => {
  db = await createTestDatabase();
  const signed = await startFakeRelay({ tls: chain.leaf, acceptWrites: true });
  const selfSigned = await startFakeRelay({
    tls: createTestCertificate({ commonName: "self.test", altNames: ["self.test"] }),
  });
  const onion = await startFakeRelay({ httpHeaders: { Server: "hidden/1" } });
  relays.push(signed, selfSigned, onion);
  url.signed = `wss://relay.test:${signed.port}`;
  url.selfSigned = `wss://self.test:${selfSigned.port}`;
  url.onion = `ws://${ONION}`;
  stub = await startSocks5Stub({
    route: (host, port) =>
      host === ONION && port === 80 ? { host: "127.0.0.1", port: onion.port } : null,
  });
  await insertRelays(db.pool, [
    { url: url.signed, network: "clearnet", discoveredAt: 1 },
    { url: url.selfSigned, network: "clearnet", discoveredAt: 1 },
    { url: url.onion, network: "tor", discoveredAt: 1 },
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await stub?.close();
  await db?.drop();
});

const docOf = async (name: string, type: string) =>
  (await history(db.pool, type)).find((r) => r.url === url[name])?.doc;

describe("monitor on TLS and overlay relays", () => {
  it("stores ssl, dns and rtt for TLS relays, and only what applies for a Tor relay", async () => {
    const brotr = parseConfig(
      brotrConfigSchema,
      {
        allow_private: true,
        networks: {
          clearnet: { timeout: 3 },
          tor: { enabled: true, timeout: 3, proxy: stub.url },
        },
      },
      "test",
    );
    const config = parseConfig(
      monitorConfigSchema,
      // rtt and http use the system trust store: the test CA is only given to the ssl check.
      {
        processing: {
          allow_insecure: true,
          checks: { geo: { enabled: false }, net: { enabled: false } },
        },
      },
      "test",
    );
    const monitor = createMonitor({ brotr }, config, {
      resolver: dns,
      records: dns,
      ca: chain.ca.cert,
    });
    const t = createTestContext(db.pool, { service: "monitor" });
    const outcome = await runOnce(monitor, t.ctx);
    expect(outcome.ok, String(outcome.error)).toBe(true);
    expect(outcome.report).toMatchObject({ checked: 3, up: 3 });

    expect(await docOf("signed", "nip66_ssl")).toMatchObject({
      data: {
        ssl_valid: true,
        ssl_subject_cn: "relay.test",
        ssl_issuer: "bigbrotr devnet",
        ssl_san: ["relay.test"],
      },
      logs: { success: true },
    });
    expect(await docOf("signed", "nip66_dns")).toMatchObject({
      data: { dns_ips: ["127.0.0.1"], dns_ttl: 300, dns_ns: ["ns1.relay.test"] },
    });
    expect(await docOf("signed", "nip66_rtt")).toMatchObject({
      data: { rtt_open: expect.any(Number), rtt_read: expect.any(Number) },
      logs: { insecure: true },
    });
    const self = await docOf("selfSigned", "nip66_ssl");
    expect(self?.data).toMatchObject({ ssl_valid: false, ssl_self_signed: true });
    expect(String(self?.data?.ssl_invalid_reason)).toMatch(/self.signed|SELF_SIGNED/i);

    // Tor: rtt, NIP-11 and http through the proxy; ssl, dns, geo and net do not apply.
    const onionRows = (await history(db.pool)).filter((r) => r.url === url.onion);
    expect(onionRows.map((r) => r.type).sort()).toEqual(["nip11_info", "nip66_http", "nip66_rtt"]);
    expect(await docOf("onion", "nip66_http")).toEqual({
      data: { http_server: "hidden/1" },
      logs: { success: true },
    });
    expect(stub.requests.some((r) => r.host === ONION)).toBe(true);
  }, 60_000);
});
