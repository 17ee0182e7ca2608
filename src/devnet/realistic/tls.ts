/** The certificates of a realistic devnet served over TLS: the CA's leaf, or a faulty one. */
import { createTestCertificate, type TestCertificate } from "../tls-cert.js";
import type { RealisticBehaviour } from "./behaviours.js";

/** A CA and the leaf it signed for the relays' addresses (tls-cert.ts createTestChain). */
export interface DevnetChain {
  ca: TestCertificate & { commonName: string; organization: string };
  leaf: TestCertificate;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"];
const DAY = 86_400_000;

/** The certificate a relay with `behaviour` serves. */
export function certificateFor(behaviour: RealisticBehaviour, chain: DevnetChain): TestCertificate {
  const now = Date.now();
  switch (behaviour.tls) {
    case "expired":
      return createTestCertificate({
        commonName: "localhost",
        altNames: LOOPBACK_NAMES,
        issuer: chain.ca,
        isCa: false,
        notBefore: new Date(now - 60 * DAY),
        notAfter: new Date(now - 30 * DAY),
      });
    case "wrong-host":
      return createTestCertificate({
        commonName: "relay.wrong-host.example",
        altNames: ["relay.wrong-host.example"],
        issuer: chain.ca,
        isCa: false,
      });
    case "self-signed":
      return createTestCertificate({ commonName: "localhost", altNames: LOOPBACK_NAMES });
    default:
      return chain.leaf;
  }
}
