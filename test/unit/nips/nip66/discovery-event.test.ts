import { describe, expect, it } from "vitest";
import { checkError, checkOk, checkSkipped } from "../../../../src/nips/check-result.js";
import {
  buildRelayDiscovery,
  type RelayDiscoveryInput,
} from "../../../../src/nips/nip66/discovery-event.js";
import {
  authRefused,
  CREATED_AT,
  HEALTHY_NIP11,
  healthy,
  healthyChecks,
  torRelay,
  withoutNip11,
} from "../../../support/discovery-fixtures.js";

/** The exact event of each fixed input, written out: a change of tag, value or order fails. */
function built(input: RelayDiscoveryInput) {
  const result = buildRelayDiscovery(input);
  if (!result.ok) throw new Error(`not built: ${result.reason} ${result.detail}`);
  return result;
}

const LOCATION_LABELS = [
  ["L", "ISO-3166-1"],
  ["l", "DE", "ISO-3166-1"],
  ["L", "nip66.label.city"],
  ["l", "Falkenstein", "nip66.label.city"],
  ["L", "IANA-tz"],
  ["l", "Europe/Berlin", "IANA-tz"],
  ["L", "IANA-asn"],
  ["l", "24940", "IANA-asn"],
  ["L", "IANA-asnOrg"],
  ["l", "Hetzner Online GmbH", "IANA-asnOrg"],
];

const NET_GEO_DNS = [
  ["net-ip", "203.0.113.7"],
  ["net-ipv6", "2001:db8::7"],
  ["net-asn", "24940"],
  ["net-asn-org", "Hetzner Online GmbH"],
  ["geo-country", "DE"],
  ["geo-city", "Falkenstein"],
  ["geo-lat", "50.4777"],
  ["geo-lon", "12.3649"],
  ["geo-tz", "Europe/Berlin"],
  ["dns-ip", "203.0.113.7"],
  ["dns-ip6", "2001:db8::7"],
  ["dns-cname", "edge.example.net"],
  ["dns-ttl", "300"],
];

describe("buildRelayDiscovery: golden events", () => {
  it("a healthy relay with every check", () => {
    const { template, notes } = built(healthy);
    expect(template.kind).toBe(30166);
    expect(template.created_at).toBe(CREATED_AT);
    expect(template.tags).toEqual([
      ["d", "wss://relay.example.com"],
      ["n", "clearnet"],
      ["rtt-open", "42"],
      ["rtt-read", "17"],
      ["rtt-write", "23"],
      ["N", "1"],
      ["N", "11"],
      ["N", "29"],
      ["N", "40"],
      ["N", "42"],
      ["N", "50"],
      ["t", "sfw-only"],
      ["t", "bitcoin"],
      ["R", "!auth"],
      ["R", "!payment"],
      ["R", "!writes"],
      ["R", "!pow"],
      ["T", "PublicInbox"],
      ["T", "Community"],
      ["T", "Search"],
      ["k", "30078"],
      ["g", "u2g9xgnqh"],
      ["ssl", "valid"],
      ["ssl-expires", "1770000000"],
      ["ssl-issuer", "Let's Encrypt"],
      ...NET_GEO_DNS,
      ["http-server", "nginx/1.25"],
      ["http-powered-by", "strfry"],
      ["L", "ISO-639-1"],
      ["l", "en", "ISO-639-1"],
      ["l", "pt", "ISO-639-1"],
      ...LOCATION_LABELS,
    ]);
    expect(template.content).toBe(
      '{"description":"A relay for tests","language_tags":["en","pt-BR","en-GB"],' +
        '"limitation":{"auth_required":false,"max_limit":500,"payment_required":false},' +
        `"name":"Example relay","pubkey":"${"a".repeat(64)}",` +
        '"software":"https://example.com/relay","supported_nips":[1,11,29,40,42,50],' +
        '"tags":["sfw-only","bitcoin"],"version":"1.2.3"}',
    );
    expect(JSON.parse(template.content)).toEqual(HEALTHY_NIP11);
    expect(notes).toEqual([]);
  });

  it("a relay that refused our write with auth-required (its NIP-11 says no auth)", () => {
    const { template } = built(authRefused);
    expect(template.tags).toEqual([
      ["d", "wss://auth.example.com"],
      ["n", "clearnet"],
      ["rtt-open", "42"],
      ["rtt-read", "17"],
      ["N", "1"],
      ["N", "42"],
      ["R", "auth"],
      ["R", "!payment"],
      ["R", "!writes"],
      ["R", "!pow"],
      ["T", "PublicOutbox"],
      ["g", "u2g9xgnqh"],
      ...NET_GEO_DNS,
      ...LOCATION_LABELS,
    ]);
    expect(template.content).toBe('{"limitation":{"auth_required":false},"supported_nips":[1,42]}');
  });

  it("a Tor relay: no ssl, dns, geo or net", () => {
    const { template } = built(torRelay);
    expect(template.tags).toEqual([
      ["d", `ws://${"a".repeat(56)}.onion`],
      ["n", "tor"],
      ["rtt-open", "1500"],
      ["rtt-read", "700"],
      ["rtt-write", "23"],
      ["N", "1"],
      ["N", "2"],
      ["R", "!auth"],
      ["R", "!payment"],
      ["R", "!writes"],
      ["R", "!pow"],
      ["T", "PublicInbox"],
      ["k", "30078"],
      ["http-server", "nostr-rs-relay"],
    ]);
    // The empty limitation object is dropped by the canonical form.
    expect(template.content).toBe('{"name":"Hidden","supported_nips":[1,2]}');
  });

  it("a relay without NIP-11: only what the probes prove", () => {
    const { template } = built(withoutNip11);
    expect(template.tags).toEqual([
      ["d", "wss://bare.example.org:7777/nostr"],
      ["n", "clearnet"],
      ["rtt-open", "42"],
      ["rtt-read", "17"],
      // A read without AUTH disproves auth; nothing proves or disproves the others.
      ["R", "!auth"],
      ["ssl", "valid"],
      ["ssl-expires", "1770000000"],
      ["ssl-issuer", "Let's Encrypt"],
      ["dns-ip6", "2001:db8::1"],
    ]);
    expect(template.content).toBe("");
  });
});

describe("buildRelayDiscovery: only for a relay that is up", () => {
  it("refuses a relay whose open failed", () => {
    const checks = { ...healthyChecks(), rtt: checkError<never>("refused: ECONNREFUSED", 3) };
    expect(buildRelayDiscovery({ ...healthy, checks })).toEqual({
      ok: false,
      reason: "relay-down",
      detail: "refused: ECONNREFUSED",
    });
  });

  it("refuses a relay whose rtt did not run, even with a NIP-11 document", () => {
    const checks = { ...healthyChecks(), rtt: checkSkipped<never>("disabled") };
    expect(buildRelayDiscovery({ ...healthy, checks })).toEqual({
      ok: false,
      reason: "not-checked",
      detail: "rtt skipped: disabled",
    });
  });
});

describe("buildRelayDiscovery: options and hostile values", () => {
  it("leaves out the parts not included, and only those", () => {
    const kept = /^(d|n|rtt-.*|R|T|k|http-.*)$/;
    const all = built(healthy).template.tags;
    const { template } = built({ ...healthy, include: ["rtt", "http"] });
    // Without the NIP-11 part the event is built as if there were no document: the types
    // it lists (Community, Search) go too.
    const fromNip11 = (tag: string[]) => tag[0] === "T" && tag[1] !== "PublicInbox";
    expect(template.tags).toEqual(all.filter((t) => kept.test(t[0] ?? "") && !fromNip11(t)));
    expect(template.tags).toContainEqual(["http-server", "nginx/1.25"]);
    expect(template.content).toBe("");
  });

  it("names the write probe's kind in k", () => {
    const { template } = built({ ...healthy, writeKind: 1 });
    expect(template.tags).toContainEqual(["k", "1"]);
    expect(template.tags).not.toContainEqual(["k", "30078"]);
  });

  it("drops unprintable or long values from the relay; content with a NUL is left out", () => {
    const nip11 = checkOk(
      {
        tags: ["ok", "bad\u0000nul", "x".repeat(300), "ok", " spaced "],
        language_tags: ["*", "en"],
      },
      1,
    );
    const checks = { ...healthyChecks(), http: checkOk({ server: "evil\r\nSet-Cookie: x" }, 1) };
    const result = built({ ...healthy, nip11, checks });
    const tags = result.template.tags;
    expect(tags.filter((t) => t[0] === "t")).toEqual([
      ["t", "ok"],
      ["t", "spaced"],
    ]);
    expect(tags.some((t) => t[0] === "http-server")).toBe(false);
    expect(tags).not.toContainEqual(["L", "ISO-639-1"]);
    expect(result.template.content).toBe("");
    expect(result.notes).toEqual([
      "t: 3 value(s) left out (repeated or unprintable)",
      "content left out: NUL character in string at $.tags[1]",
    ]);
  });

  it("leaves out NIP-11 content over the size cap", () => {
    const result = built({ ...healthy, maxContentBytes: 100 });
    expect(result.template.content).toBe("");
    expect(result.notes).toEqual(["content left out: NIP-11 JSON is 374 bytes, over 100"]);
    expect(built({ ...healthy, maxContentBytes: 374 }).template.content).toHaveLength(374);
  });

  it("caps list tags at 100 and says so", () => {
    const supported_nips = Array.from({ length: 150 }, (_, i) => i + 1);
    const { template, notes } = built({ ...healthy, nip11: checkOk({ supported_nips }, 1) });
    expect(template.tags.filter((t) => t[0] === "N")).toHaveLength(100);
    expect(notes).toEqual(["N: 50 value(s) over 100 left out"]);
  });

  it("never declares a label namespace twice, nor repeats a label", () => {
    const { template } = built(healthy);
    const namespaces = template.tags.filter((t) => t[0] === "L").map((t) => t[1]);
    expect(new Set(namespaces).size).toBe(namespaces.length);
    for (const [, value, ns] of template.tags.filter((t) => t[0] === "l")) {
      expect(namespaces).toContain(ns);
      expect(value).toBeTruthy();
    }
  });
});
