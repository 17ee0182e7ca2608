/**
 * Fixed check results of four relays for the 30166 tests: a healthy clearnet relay with every
 * check, one whose write was refused with auth-required, a Tor relay (no ssl/dns/geo/net),
 * and one without a NIP-11 document.
 */
import {
  type CheckResult,
  checkError,
  checkOk,
  checkSkipped,
} from "../../src/nips/check-result.js";
import type { Nip11Document } from "../../src/nips/nip11/types.js";
import type { Nip66Results } from "../../src/nips/nip66/checks.js";
import type { RelayDiscoveryInput } from "../../src/nips/nip66/discovery-event.js";
import type { Nip66Rtt } from "../../src/nips/nip66/rtt.js";

export const CREATED_AT = 1_760_000_000;

export const HEALTHY_NIP11: Nip11Document = {
  name: "Example relay",
  description: "A relay for tests",
  pubkey: "a".repeat(64),
  supported_nips: [1, 11, 29, 40, 42, 50],
  software: "https://example.com/relay",
  version: "1.2.3",
  limitation: { max_limit: 500, auth_required: false, payment_required: false },
  language_tags: ["en", "pt-BR", "en-GB"],
  tags: ["sfw-only", "bitcoin"],
};

export const healthyRtt: Nip66Rtt = {
  openMs: 42,
  read: { status: "ok", ms: 17 },
  write: { status: "ok", ms: 23 },
  auth: "none",
  insecure: false,
};

const overlay = (check: string) =>
  checkSkipped<never>(`${check} is a clearnet check (relay is on tor)`);

export function healthyChecks(rtt: Nip66Rtt = healthyRtt): Nip66Results {
  return {
    rtt: checkOk(rtt, 90),
    ssl: checkOk(
      {
        fingerprint: "AA:BB",
        subjectCn: "relay.example.com",
        issuerCn: "R11",
        issuerO: "Let's Encrypt",
        san: ["relay.example.com"],
        sanIps: [],
        notBefore: 1_750_000_000,
        notAfter: 1_770_000_000,
        serial: "0A1B",
        selfSigned: false,
        valid: true,
      },
      5,
    ),
    dns: checkOk(
      {
        ipv4: ["203.0.113.7", "203.0.113.8"],
        ipv6: ["2001:db8::7"],
        ttl: 300,
        queryMs: 3,
        cname: "edge.example.net",
        domain: "example.com",
        ns: ["ns1.example.com"],
        ptr: [],
        errors: {},
      },
      4,
    ),
    geo: checkOk(
      {
        ip: "203.0.113.7",
        country: "de",
        countryName: "Germany",
        city: "Falkenstein",
        lat: 50.4777,
        lon: 12.3649,
        timezone: "Europe/Berlin",
        geohash: "u2g9xgnqh",
      },
      1,
    ),
    net: checkOk(
      { ipv4: "203.0.113.7", ipv6: "2001:db8::7", asn: 24940, asnOrg: "Hetzner Online GmbH" },
      1,
    ),
    http: checkOk({ server: "nginx/1.25", poweredBy: "strfry" }, 8),
  };
}

export const healthy: RelayDiscoveryInput = {
  url: "wss://relay.example.com",
  network: "clearnet",
  nip11: checkOk(HEALTHY_NIP11, 30),
  checks: healthyChecks(),
  createdAt: CREATED_AT,
};

export const authRefused: RelayDiscoveryInput = {
  url: "wss://auth.example.com",
  network: "clearnet",
  // The relay says it needs no auth; its answer to our write says otherwise.
  nip11: checkOk({ supported_nips: [1, 42], limitation: { auth_required: false } }, 30),
  checks: {
    ...healthyChecks({
      ...healthyRtt,
      write: {
        status: "refused",
        policy: "auth-required",
        reason: "auth-required: we only accept events from authenticated users",
        ms: 11,
      },
      auth: "challenged",
    }),
    ssl: checkError("tls: certificate has expired", 5),
    http: checkOk({}, 8),
  },
  createdAt: CREATED_AT,
};

const onion = `ws://${"a".repeat(56)}.onion`;

export const torRelay: RelayDiscoveryInput = {
  url: onion,
  network: "tor",
  nip11: checkOk({ name: "Hidden", supported_nips: [1, 2], limitation: {} }, 900),
  checks: {
    rtt: checkOk({ ...healthyRtt, openMs: 1500, read: { status: "ok", ms: 700 } }, 3000),
    ssl: overlay("ssl"),
    dns: overlay("dns"),
    geo: overlay("geo"),
    net: overlay("net"),
    http: checkOk({ server: "nostr-rs-relay" }, 1200),
  },
  createdAt: CREATED_AT,
};

const noNip11: CheckResult<Nip11Document> = checkError("HTTP 404", 12);

export const withoutNip11: RelayDiscoveryInput = {
  url: "wss://bare.example.org:7777/nostr",
  network: "clearnet",
  nip11: noNip11,
  checks: {
    ...healthyChecks({
      ...healthyRtt,
      write: { status: "failed", reason: "no OK within 2000 ms", ms: 2000 },
    }),
    dns: checkOk({ ipv4: [], ipv6: ["2001:db8::1"], queryMs: 2, ns: [], ptr: [], errors: {} }, 2),
    geo: checkSkipped("no City database configured"),
    net: checkSkipped("no ASN database configured"),
    http: checkError("timeout: no upgrade within 2000 ms", 2000),
  },
  createdAt: CREATED_AT,
};
