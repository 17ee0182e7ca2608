import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import {
  buildRelayDiscovery,
  type RelayDiscoveryInput,
} from "../../../../src/nips/nip66/discovery-event.js";
import { parseRelayDiscovery } from "../../../../src/nips/nip66/discovery-parse.js";
import { derivePubkey, signEvent } from "../../../../src/utils/keys.js";
import {
  authRefused,
  CREATED_AT,
  HEALTHY_NIP11,
  healthy,
  torRelay,
  withoutNip11,
} from "../../../support/discovery-fixtures.js";

const SECRET = Uint8Array.from(Buffer.from(`${"0".repeat(62)}2a`, "hex"));
const MONITOR = derivePubkey(SECRET);

function signed(input: RelayDiscoveryInput): NostrEvent {
  const built = buildRelayDiscovery(input);
  if (!built.ok) throw new Error(built.detail);
  return signEvent(built.template, SECRET);
}

/** A signed 30166 with these tags and content (the reader does not check signatures). */
const raw = (tags: string[][], content = ""): NostrEvent =>
  signEvent({ kind: 30166, created_at: CREATED_AT, tags, content }, SECRET);

function parsed(event: unknown) {
  const result = parseRelayDiscovery(event);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

describe("parseRelayDiscovery: round trip from buildRelayDiscovery", () => {
  it("reads back every value of the healthy relay", () => {
    expect(parsed(signed(healthy))).toEqual({
      ok: true,
      issues: [],
      discovery: {
        relay: "wss://relay.example.com",
        monitor: MONITOR,
        createdAt: CREATED_AT,
        networks: ["clearnet"],
        rtt: { open: 42, read: 17, write: 23 },
        nips: [1, 11, 29, 40, 42, 50],
        requirements: { auth: false, payment: false, writes: false, pow: false },
        types: ["PublicInbox", "Community", "Search"],
        topics: ["sfw-only", "bitcoin"],
        kinds: { accepted: [30078], rejected: [] },
        geohashes: ["u2g9xgnqh"],
        namespaces: [
          "ISO-639-1",
          "ISO-3166-1",
          "nip66.label.city",
          "IANA-tz",
          "IANA-asn",
          "IANA-asnOrg",
        ],
        labels: [
          { value: "en", namespace: "ISO-639-1" },
          { value: "pt", namespace: "ISO-639-1" },
          { value: "DE", namespace: "ISO-3166-1" },
          { value: "Falkenstein", namespace: "nip66.label.city" },
          { value: "Europe/Berlin", namespace: "IANA-tz" },
          { value: "24940", namespace: "IANA-asn" },
          { value: "Hetzner Online GmbH", namespace: "IANA-asnOrg" },
        ],
        ssl: { valid: true, expires: 1_770_000_000, issuer: "Let's Encrypt" },
        net: { ip: "203.0.113.7", ipv6: "2001:db8::7", asn: 24940, asnOrg: "Hetzner Online GmbH" },
        geo: {
          country: "DE",
          city: "Falkenstein",
          lat: 50.4777,
          lon: 12.3649,
          tz: "Europe/Berlin",
        },
        dns: { ip: "203.0.113.7", ip6: "2001:db8::7", cname: "edge.example.net", ttl: 300 },
        http: { server: "nginx/1.25", poweredBy: "strfry" },
        nip11: HEALTHY_NIP11,
      },
    });
  });

  it.each([
    ["auth refused", authRefused, { auth: true, payment: false, writes: false, pow: false }],
    ["tor", torRelay, { auth: false, payment: false, writes: false, pow: false }],
    ["no NIP-11", withoutNip11, { auth: false }],
  ] as const)("%s: requirements, network and rtt come back", (_name, input, requirements) => {
    const { discovery, issues } = parsed(signed(input));
    expect(issues).toEqual([]);
    expect(discovery.relay).toBe(input.url);
    expect(discovery.networks).toEqual([input.network]);
    expect(discovery.requirements).toEqual(requirements);
    const rtt = input.checks.rtt.status === "ok" ? input.checks.rtt.data : undefined;
    expect(discovery.rtt.open).toBe(rtt?.openMs);
    expect(discovery.nip11).toEqual(input.nip11.status === "ok" ? expect.any(Object) : undefined);
  });
});

describe("parseRelayDiscovery: other monitors and malformed input", () => {
  it("reads the NIP's own example (tags without L, unsorted)", () => {
    const result = parsed(
      raw([
        ["d", "wss://some.relay/"],
        ["n", "clearnet"],
        ["N", "40"],
        ["N", "33"],
        ["R", "!payment"],
        ["R", "auth"],
        ["g", "ww8p1r4t8"],
        ["l", "en", "ISO-639-1"],
        ["t", "nsfw"],
        ["rtt-open", "234"],
      ]),
    );
    expect(result.discovery).toMatchObject({
      relay: "wss://some.relay/",
      nips: [40, 33],
      requirements: { payment: false, auth: true },
      geohashes: ["ww8p1r4t8"],
      labels: [{ value: "en", namespace: "ISO-639-1" }],
      topics: ["nsfw"],
      rtt: { open: 234 },
    });
    expect(result.issues).toEqual(["label namespace ISO-639-1 has no L tag"]);
  });

  it("leaves out each malformed tag with its reason and keeps the rest", () => {
    const result = parsed(
      raw(
        [
          ["d", "wss://x.example"],
          ["rtt-open", "12ms"],
          ["rtt-open", "12"],
          ["rtt-open", "13"],
          ["rtt-read"],
          ["n", "internet"],
          ["N", "-1"],
          ["R", "auth"],
          ["R", "!auth"],
          ["R", "Auth Required"],
          ["T", "public-inbox"],
          ["k", "1"],
          ["k", "!4"],
          ["k", "70000"],
          ["g", "aaaa"],
          ["l", "en"],
          ["geo-lat", "91"],
          ["ssl", "yes"],
          ["x-custom", "ignored"],
          ["d", "wss://second.example"],
        ],
        "[1,2]",
      ),
    );
    expect(result.discovery).toMatchObject({
      relay: "wss://x.example",
      rtt: { open: 12 },
      networks: [],
      nips: [],
      requirements: { auth: true },
      types: [],
      kinds: { accepted: [1], rejected: [4] },
      geohashes: [],
      labels: [],
      geo: {},
      ssl: {},
      nip11: undefined,
    });
    expect(result.issues).toEqual([
      "2 d tags (the first is the relay)",
      "content: document is not a JSON object",
      'tag 1 ["rtt-open","12ms"]: malformed value',
      'tag 3 ["rtt-open","13"]: repeated (the first is kept)',
      'tag 4 ["rtt-read"]: no value',
      'tag 5 ["n","internet"]: unknown network',
      'tag 6 ["N","-1"]: not a NIP number',
      'tag 8 ["R","!auth"]: repeated or contradicted (the first is kept)',
      'tag 9 ["R","Auth Required"]: not a requirement key',
      'tag 10 ["T","public-inbox"]: not a PascalCase type',
      'tag 13 ["k","70000"]: not a kind',
      'tag 14 ["g","aaaa"]: not a geohash',
      'tag 15 ["l","en"]: label without namespace',
      'tag 16 ["geo-lat","91"]: malformed value',
      'tag 17 ["ssl","yes"]: malformed value',
    ]);
  });

  it("reports non-JSON content and keeps the tags", () => {
    const result = parsed(raw([["d", "wss://x.example"]], "{not json"));
    expect(result.issues).toEqual(["content: not JSON"]);
    expect(result.discovery.nip11).toBeUndefined();
  });

  it.each([
    ["not an object", "hello", "invalid: event is not an object"],
    ["null", null, "invalid: event is not an object"],
    ["bad id", { ...raw([["d", "x"]]), id: "zz" }, "invalid: id is not 64 lowercase hex"],
    ["another kind", { ...raw([["d", "x"]]), kind: 10166 }, "kind 10166, expected 30166"],
    ["no d tag", raw([["n", "clearnet"]]), "no d tag (relay URL)"],
    ["empty d tag", raw([["d", ""]]), "no d tag (relay URL)"],
    [
      "tags not strings",
      { ...raw([["d", "x"]]), tags: [["d", 1]] },
      "invalid: tags is not an array of non-empty string arrays",
    ],
  ])("refuses %s, without throwing", (_name, input, reason) => {
    expect(parseRelayDiscovery(input)).toEqual({ ok: false, reason });
  });
});
