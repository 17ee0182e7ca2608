import type { PeerCertificate } from "node:tls";
import { describe, expect, it } from "vitest";
import { parseCertificate } from "../../../../src/nips/nip66/ssl.js";

/** A peer certificate as Node's getPeerCertificate() returns it for a typical public relay. */
const recorded = {
  subject: { CN: "relay.example.com" },
  issuer: { C: "US", O: "Let's Encrypt", CN: "E6" },
  subjectaltname: "DNS:relay.example.com, DNS:www.relay.example.com",
  bits: 256,
  valid_from: "Sep 10 04:12:33 2026 GMT",
  valid_to: "Dec  9 04:12:32 2026 GMT",
  fingerprint: "3A:...",
  fingerprint256:
    "9f:2c:6e:11:aa:04:7d:52:c3:19:e8:40:b2:5a:6f:01:dd:73:0e:9c:44:18:a1:b7:2e:60:5d:cf:93:08:7a:e1",
  serialNumber: "04a1b2c3d4e5f60718293a4b5c6d7e8f90ab",
  raw: Buffer.alloc(0),
} as unknown as PeerCertificate;

const session = {
  protocol: "TLSv1.3",
  cipher: { name: "TLS_AES_128_GCM_SHA256", standardName: "TLS_AES_128_GCM_SHA256" },
};

describe("parseCertificate", () => {
  it("maps a recorded certificate to the ssl fields", () => {
    expect(parseCertificate(recorded, session)).toEqual({
      fingerprint:
        "9F:2C:6E:11:AA:04:7D:52:C3:19:E8:40:B2:5A:6F:01:DD:73:0E:9C:44:18:A1:B7:2E:60:5D:CF:93:08:7A:E1",
      subjectCn: "relay.example.com",
      issuerCn: "E6",
      issuerO: "Let's Encrypt",
      san: ["relay.example.com", "www.relay.example.com"],
      sanIps: [],
      notBefore: Date.UTC(2026, 8, 10, 4, 12, 33) / 1000,
      notAfter: Date.UTC(2026, 11, 9, 4, 12, 32) / 1000,
      serial: "04A1B2C3D4E5F60718293A4B5C6D7E8F90AB",
      selfSigned: false,
      keyBits: 256,
      protocol: "TLSv1.3",
      cipher: "TLS_AES_128_GCM_SHA256",
    });
  });

  it("takes the first of repeated names, unquotes SAN entries, keeps IP SANs apart", () => {
    const cert = {
      ...recorded,
      subject: { CN: ["a.example", "b.example"], O: "Relay Co" },
      issuer: { CN: ["a.example", "b.example"], O: "Relay Co" },
      subjectaltname: 'DNS:"odd, name.example", IP Address:192.0.2.7, URI:https://x.example',
    } as unknown as PeerCertificate;
    expect(parseCertificate(cert, { protocol: null, cipher: null })).toMatchObject({
      subjectCn: "a.example",
      subjectO: "Relay Co",
      san: ["odd, name.example"],
      sanIps: ["192.0.2.7"],
      selfSigned: true,
    });
  });

  it("returns null for an empty certificate and 0 for unreadable dates", () => {
    expect(parseCertificate({} as PeerCertificate, session)).toBeNull();
    const odd = { ...recorded, valid_from: "soon", valid_to: "" } as unknown as PeerCertificate;
    expect(parseCertificate(odd, session)).toMatchObject({ notBefore: 0, notAfter: 0 });
  });
});
