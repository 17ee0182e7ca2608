import { X509Certificate } from "node:crypto";
import { type AddressInfo, createServer, type Socket } from "node:net";
import tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { createTestCertificate, createTestChain } from "../../../../src/devnet/tls-cert.js";
import { checkSsl, type SslOptions } from "../../../../src/nips/nip66/ssl.js";
import type { Resolver } from "../../../../src/utils/dns.js";
import {
  type FakeRelay,
  type FakeRelayOptions,
  startFakeRelay,
} from "../../../support/fake-relay.js";

/** The ssl check against loopback TLS relays with certificates generated for each test. */
const relays: FakeRelay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

async function relay(options: FakeRelayOptions): Promise<FakeRelay> {
  const r = await startFakeRelay(options);
  relays.push(r);
  return r;
}

const loopback: Resolver = { lookup: async () => ["127.0.0.1"] };
const base = (extra: Partial<SslOptions> = {}) => ({
  network: "clearnet" as const,
  timeoutMs: 1000,
  allowPrivate: true,
  resolver: loopback,
  ...extra,
});
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
/** A relay reached by name (relay.test → 127.0.0.1), so SNI and the host name check apply. */
const byName = (r: FakeRelay) => r.url.replace("127.0.0.1", "relay.test");

describe("checkSsl on a relay with a CA-signed certificate", () => {
  const notBefore = new Date("2026-01-01T00:00:00Z");
  const notAfter = new Date("2036-01-01T00:00:00Z");
  const { ca, leaf } = createTestChain({ commonName: "relay.test", notBefore, notAfter });
  const x509 = new X509Certificate(leaf.cert);

  it("reads every field, and a client trusting the CA accepts the chain", async () => {
    const r = await relay({ tls: leaf });
    const result = await checkSsl(byName(r), base({ ca: ca.cert }));
    expect(result).toEqual({
      status: "ok",
      data: {
        fingerprint: x509.fingerprint256,
        subjectCn: "relay.test",
        issuerCn: "bigbrotr devnet CA",
        issuerO: "bigbrotr devnet",
        san: ["relay.test", "localhost"],
        sanIps: ["127.0.0.1", "0:0:0:0:0:0:0:1"],
        notBefore: seconds(notBefore),
        notAfter: seconds(notAfter),
        serial: x509.serialNumber.toUpperCase(),
        selfSigned: false,
        keyBits: 256,
        protocol: "TLSv1.3",
        cipher: expect.stringMatching(/^TLS_/),
        valid: true,
      },
      durationMs: expect.any(Number),
      notes: [],
    });
  });

  it("without the CA in the trust store the chain is not accepted", async () => {
    const r = await relay({ tls: leaf });
    const result = await checkSsl(byName(r), base());
    expect(result).toMatchObject({
      status: "ok",
      data: {
        subjectCn: "relay.test",
        valid: false,
        invalidReason: "UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate",
      },
    });
  });

  it("a host name the certificate does not cover is not accepted", async () => {
    const r = await relay({ tls: leaf });
    const url = r.url.replace("127.0.0.1", "other.test");
    const result = await checkSsl(url, base({ ca: ca.cert }));
    expect(result).toMatchObject({ status: "ok", data: { valid: false } });
    expect(result.status === "ok" && result.data.invalidReason).toMatch(
      /^ERR_TLS_CERT_ALTNAME_INVALID: Hostname\/IP does not match certificate's altnames: Host: other\.test/,
    );
  });

  it("sends SNI to the pinned address through the injected connector; a valid certificate takes one handshake", async () => {
    const r = await relay({ tls: leaf });
    const seen: tls.ConnectionOptions[] = [];
    const connect = (o: tls.ConnectionOptions) => {
      seen.push(o);
      return tls.connect(o);
    };
    const result = await checkSsl(byName(r), base({ ca: ca.cert, connect }));
    expect(result).toMatchObject({ status: "ok", data: { valid: true } });
    expect(seen.map((o) => [o.host, o.servername, o.rejectUnauthorized])).toEqual([
      ["relay.test", "relay.test", false],
    ]);
    expect(seen.every((o) => typeof o.lookup === "function")).toBe(true);
  });
});

describe("checkSsl: self-signed, expired, and not TLS at all", () => {
  it("a self-signed certificate is read, marked self-signed and not accepted", async () => {
    const r = await relay({ tls: createTestCertificate({ commonName: "relay.test" }) });
    const result = await checkSsl(byName(r), base());
    expect(result).toMatchObject({
      status: "ok",
      data: {
        subjectCn: "relay.test",
        issuerCn: "relay.test",
        selfSigned: true,
        valid: false,
        invalidReason: "DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate",
      },
    });
  });

  it("an expired certificate is not accepted even when its CA is trusted", async () => {
    const notBefore = new Date("2020-01-01T00:00:00Z");
    const notAfter = new Date("2020-02-01T00:00:00Z");
    const { ca, leaf } = createTestChain({ notBefore, notAfter });
    const r = await relay({ tls: leaf });
    const result = await checkSsl(byName(r), base({ ca: ca.cert }));
    expect(result).toMatchObject({
      status: "ok",
      data: {
        notAfter: seconds(notAfter),
        valid: false,
        invalidReason: "CERT_HAS_EXPIRED: certificate has expired",
      },
    });
  });

  it("a wss:// URL on a plain (non-TLS) server is an error", async () => {
    const r = await relay({});
    const result = await checkSsl(r.url.replace("ws://", "wss://"), base());
    expect(result.status).toBe("error");
    expect(result.status === "error" && result.reason).toMatch(/^tls: /);
  });

  it("a closed port is refused; a silent one times out", async () => {
    const r = await relay({});
    const port = r.port;
    await r.close();
    const refused = await checkSsl(`wss://127.0.0.1:${port}`, base());
    expect(refused.status === "error" && refused.reason).toMatch(/^refused: /);

    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port: silentPort } = silent.address() as AddressInfo;
    try {
      const timedOut = await checkSsl(`wss://127.0.0.1:${silentPort}`, base({ timeoutMs: 150 }));
      expect(timedOut).toEqual({
        status: "error",
        reason: "timeout: TLS handshake timed out after 150 ms",
        durationMs: expect.any(Number),
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe("checkSsl: what it does not check", () => {
  it("ws:// relays have no TLS; overlay relays are not clearnet", async () => {
    expect(await checkSsl("ws://relay.test", base())).toEqual({
      status: "skipped",
      reason: "not a wss:// relay (no TLS)",
      durationMs: 0,
    });
    expect(await checkSsl(`wss://${"a".repeat(56)}.onion`, base({ network: "tor" }))).toEqual({
      status: "skipped",
      reason: "ssl is a clearnet check (relay is on tor)",
      durationMs: 0,
    });
  });

  it("a private address is refused by the SSRF guard unless allowed", async () => {
    const result = await checkSsl("wss://relay.test", base({ allowPrivate: false }));
    expect(result).toEqual({
      status: "error",
      reason: "private-address: relay.test (resolves to 127.0.0.1) is a private address",
      durationMs: expect.any(Number),
    });
  });
});
