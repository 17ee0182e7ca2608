import { describe, expect, it } from "vitest";
import type { Network } from "../../../src/models/network.js";
import { parseRelayUrl } from "../../../src/models/relay-url.js";

type Accept = { input: string; url: string; network: Network };
type Reject = { input: string; reason: string };

const ok = (input: string, url: string, network: Network = "clearnet"): Accept => ({
  input,
  url,
  network,
});
const no = (input: string, reason: string): Reject => ({ input, reason });

// Real v3 onion services (DuckDuckGo, torproject.org): their checksums are genuine.
const ONION = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad";
const ONION2 = "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid";
const ONION_BAD_SUM = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczbd";
const I2P = "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq";
const LOKI = "dw68y1xhptqbhcm5s8aaaip6dbopykagig5q5u1za4c7pzxto77y";
const LABEL63 = "a".repeat(63);

const accepted: Accept[] = [
  // trimming, case, scheme forcing, default ports
  ok("wss://relay.damus.io", "wss://relay.damus.io"),
  ok("wss://relay.damus.io/", "wss://relay.damus.io"),
  ok("  wss://relay.damus.io  ", "wss://relay.damus.io"),
  ok("wss://relay.damus.io/ ", "wss://relay.damus.io"),
  ok("\twss://nos.lol\n", "wss://nos.lol"),
  ok("WSS://Relay.Damus.IO", "wss://relay.damus.io"),
  ok("ws://RELAY.Example.COM:443/", "wss://relay.example.com"),
  ok("ws://relay.example.com", "wss://relay.example.com"),
  ok("ws://relay.example.com:80", "wss://relay.example.com:80"),
  ok("wss://relay.example.com:443", "wss://relay.example.com"),
  ok("wss://relay.example.com:8080", "wss://relay.example.com:8080"),
  ok("wss://relay.example.com:08080", "wss://relay.example.com:8080"),
  ok("wss://relay.example.com:00443", "wss://relay.example.com"),
  ok("wss://relay.example.com:", "wss://relay.example.com"),
  ok("wss://relay.example.com:1", "wss://relay.example.com:1"),
  ok("wss://relay.example.com:65535", "wss://relay.example.com:65535"),
  // paths
  ok("wss://relay.example.com/path", "wss://relay.example.com/path"),
  ok("wss://relay.example.com/path/", "wss://relay.example.com/path"),
  ok("wss://relay.example.com:443/path/", "wss://relay.example.com/path"),
  ok("wss://relay.example.com//a//b//", "wss://relay.example.com/a/b"),
  ok("wss://relay.example.com/a/./b", "wss://relay.example.com/a/b"),
  ok("wss://relay.example.com/a/../b", "wss://relay.example.com/b"),
  ok("wss://relay.example.com/../a", "wss://relay.example.com/a"),
  ok("wss://relay.example.com/a/b/../../c", "wss://relay.example.com/c"),
  ok("wss://relay.example.com/%2e%2e/a", "wss://relay.example.com/a"),
  ok("wss://relay.example.com/a/%2E", "wss://relay.example.com/a"),
  ok("wss://relay.example.com/a%7Eb", "wss://relay.example.com/a~b"),
  ok("wss://relay.example.com/%61bc", "wss://relay.example.com/abc"),
  ok("wss://relay.example.com/ab%3Acd", "wss://relay.example.com/ab:cd"),
  ok("wss://relay.example.com/v1:sub", "wss://relay.example.com/v1:sub"),
  ok("wss://relay.example.com/a.b_c~d-e", "wss://relay.example.com/a.b_c~d-e"),
  ok("wss://relay.example.com/Path", "wss://relay.example.com/Path"),
  ok("wss://relay.example.com/a/b/c/d", "wss://relay.example.com/a/b/c/d"),
  // a bad segment drops the whole path, not the URL
  ok("wss://relay.example.com/%20", "wss://relay.example.com"),
  ok("wss://relay.example.com/a%2Fb", "wss://relay.example.com"),
  ok("wss://relay.example.com/-bad", "wss://relay.example.com"),
  ok("wss://relay.example.com/good/-bad", "wss://relay.example.com"),
  ok("wss://relay.example.com/bad-", "wss://relay.example.com"),
  ok("wss://relay.example.com/%ZZ", "wss://relay.example.com"),
  ok("wss://relay.example.com/%E2%82%AC", "wss://relay.example.com"),
  ok("wss://relay.example.com/a\\b", "wss://relay.example.com"),
  ok("wss://relay.example.com/~user", "wss://relay.example.com"),
  // text PostgreSQL cannot hold never reaches the canonical URL
  ok("wss://relay.example.com/%00", "wss://relay.example.com"),
  ok("wss://relay.example.com/a%00b", "wss://relay.example.com"),
  ok("wss://relay.example.com/\ud800", "wss://relay.example.com"),
  // query and fragment dropped
  ok("wss://relay.example.com/inbox?x=1", "wss://relay.example.com/inbox"),
  ok("wss://relay.example.com/inbox#frag", "wss://relay.example.com/inbox"),
  ok("wss://relay.example.com/#frag", "wss://relay.example.com"),
  ok("wss://relay.example.com?x=1", "wss://relay.example.com"),
  ok("wss://relay.example.com#x", "wss://relay.example.com"),
  ok("wss://relay.example.com?next=wss://a.b/c", "wss://relay.example.com"),
  // host forms
  ok("wss://relay.example.com./", "wss://relay.example.com"),
  ok("wss://relay.example.com.:443", "wss://relay.example.com"),
  ok("wss://my_relay.example.com", "wss://my_relay.example.com"),
  ok("wss://_relay.example.com", "wss://_relay.example.com"),
  ok("wss://a-b.example.com", "wss://a-b.example.com"),
  ok("wss://relay.example.co.uk", "wss://relay.example.co.uk"),
  ok("wss://a.b", "wss://a.b"),
  ok("wss://relay.123abc", "wss://relay.123abc"),
  ok(`wss://${LABEL63}.com`, `wss://${LABEL63}.com`),
  ok("wss://xn--bcher-kva.de", "wss://xn--bcher-kva.de"),
  ok("wss://bücher.de", "wss://xn--bcher-kva.de"),
  ok("wss://BÜCHER.de/x", "wss://xn--bcher-kva.de/x"),
  ok("wss://relay。example。com", "wss://relay.example.com"),
  ok("wss://ＲＥＬＡＹ.example.com", "wss://relay.example.com"),
  ok("wss://straße.de", "wss://xn--strae-oqa.de"),
  ok("wss://😀.com", "wss://xn--e28h.com"),
  ok("wss://relay%2Edamus%2Eio", "wss://relay.damus.io"),
  ok("wss://%72elay.example.com", "wss://relay.example.com"),
  ok("wss://RELAY%2eEXAMPLE%2eCOM", "wss://relay.example.com"),
  // public IP literals
  ok("wss://8.8.8.8", "wss://8.8.8.8"),
  ok("ws://8.8.8.8", "wss://8.8.8.8"),
  ok("ws://8.8.8.8:80", "wss://8.8.8.8:80"),
  ok("wss://1.1.1.1:7777/nostr", "wss://1.1.1.1:7777/nostr"),
  ok("wss://100.63.255.255", "wss://100.63.255.255"),
  ok("wss://100.128.0.0", "wss://100.128.0.0"),
  ok("wss://172.15.255.255", "wss://172.15.255.255"),
  ok("wss://172.32.0.0", "wss://172.32.0.0"),
  ok("wss://198.20.0.0", "wss://198.20.0.0"),
  ok("wss://223.255.255.255", "wss://223.255.255.255"),
  ok("wss://[2606:4700::1]", "wss://[2606:4700::1]"),
  ok("wss://[2606:4700::1]:443", "wss://[2606:4700::1]"),
  ok("ws://[2606:4700::1]:80", "wss://[2606:4700::1]:80"),
  ok("wss://[2606:4700:0:0:0:0:0:1]", "wss://[2606:4700::1]"),
  ok("wss://[2606:4700:0000:0000:0000:0000:0000:0001]", "wss://[2606:4700::1]"),
  ok("wss://[2606:4700:4700::1111]:8443/ws", "wss://[2606:4700:4700::1111]:8443/ws"),
  ok("wss://[2A00:1450:4001:0:0:0:0:200E]", "wss://[2a00:1450:4001::200e]"),
  ok("wss://[2001:4860:0:0:1:0:0:1]", "wss://[2001:4860::1:0:0:1]"),
  ok("wss://[2001:4860:1:2:3:4:5:0]", "wss://[2001:4860:1:2:3:4:5:0]"),
  ok("wss://[2001:4860:0:1:0:0:0:1]", "wss://[2001:4860:0:1::1]"),
  ok("wss://[2001:4860::1]", "wss://[2001:4860::1]"),
  ok("wss://[2002:c000:0204::1]", "wss://[2002:c000:204::1]"),
  ok("wss://[::ffff:8.8.8.8]", "wss://8.8.8.8"),
  ok("wss://[::ffff:808:808]:443", "wss://8.8.8.8"),
  // just outside 64:ff9b:1::/48 (local-use NAT64)
  ok("wss://[64:ff9b:2::1]", "wss://[64:ff9b:2::1]"),
  ok("wss://[64:ff9b:0:ffff::1]", "wss://[64:ff9b:0:ffff::1]"),
  // overlays: ws forced, port kept unless 80
  ok(`wss://${ONION}.onion`, `ws://${ONION}.onion`, "tor"),
  ok(`ws://${ONION.toUpperCase()}.ONION/`, `ws://${ONION}.onion`, "tor"),
  ok(`wss://${ONION}.onion:443`, `ws://${ONION}.onion:443`, "tor"),
  ok(`ws://${ONION}.onion:80`, `ws://${ONION}.onion`, "tor"),
  ok(`ws://relay.${ONION}.onion`, `ws://relay.${ONION}.onion`, "tor"),
  ok(`ws://${ONION2}.onion/nostr/`, `ws://${ONION2}.onion/nostr`, "tor"),
  ok(`ws://${ONION2}.onion.`, `ws://${ONION2}.onion`, "tor"),
  ok(`wss://${I2P}.b32.i2p`, `ws://${I2P}.b32.i2p`, "i2p"),
  ok(`ws://${I2P}.b32.i2p:7777`, `ws://${I2P}.b32.i2p:7777`, "i2p"),
  ok("wss://relay.i2p", "ws://relay.i2p", "i2p"),
  ok("ws://nostr.relay.i2p/x", "ws://nostr.relay.i2p/x", "i2p"),
  ok(`wss://${LOKI}.loki`, `ws://${LOKI}.loki`, "loki"),
  ok(`ws://${LOKI.toUpperCase()}.loki:80`, `ws://${LOKI}.loki`, "loki"),
  ok(`ws://www.${LOKI}.loki`, `ws://www.${LOKI}.loki`, "loki"),
];

const rejected: Reject[] = [
  // shape and scheme
  no("", "empty"),
  no("   ", "empty"),
  no("relay.damus.io", "missing scheme"),
  no("//relay.damus.io", "missing scheme"),
  no("https://relay.damus.io", "scheme must be ws or wss"),
  no("http://relay.damus.io", "scheme must be ws or wss"),
  no("ftp://relay.damus.io", "scheme must be ws or wss"),
  no("wsss://relay.damus.io", "scheme must be ws or wss"),
  no("wss:relay.damus.io", "missing //"),
  no("wss:/relay.damus.io", "missing //"),
  no("wss://", "missing host"),
  no("wss:///path", "missing host"),
  no("wss://:443", "missing host"),
  no("wss://?x", "missing host"),
  no("wss://https//x", "nested scheme"),
  no("wss://https://relay.com", "nested scheme"),
  no("wss://wss://relay.com", "nested scheme"),
  // whitespace and control characters inside
  no("wss://relay .com", "whitespace or control"),
  no("wss://relay.com/a b", "whitespace or control"),
  no("wss://relay.com\u0000", "whitespace or control"),
  no("wss://rel\u0000ay.com", "whitespace or control"),
  no("wss://rel%00ay.com", "invalid character in host"),
  no("wss://rel%01ay.com", "invalid character in host"),
  no("wss://rel\ud800ay.com", "invalid international domain name"),
  no("wss://rel\u0007ay.com", "whitespace or control"),
  no("wss://relay\u00a0.com", "whitespace or control"),
  no("wss://relay\u200b.com", "whitespace or control"),
  no("wss://relay.com:44 3", "whitespace or control"),
  no("wss://relay.com\u007f", "whitespace or control"),
  // credentials
  no("wss://user@relay.com", "credentials"),
  no("wss://user:pass@relay.com", "credentials"),
  no("wss://relay.com@evil.com", "credentials"),
  no("wss://%40@relay.com", "credentials"),
  // ports
  no("wss://relay.com:0", "port out of range"),
  no("wss://relay.com:65536", "port out of range"),
  no("wss://relay.com:99999", "port out of range"),
  no("wss://relay.com:123456", "invalid port"),
  no("wss://relay.com:abc", "invalid port"),
  no("wss://relay.com:-1", "invalid port"),
  no("wss://relay.com:+443", "invalid port"),
  // local and special-use names
  no("wss://localhost", "localhost"),
  no("wss://LOCALHOST:7777", "localhost"),
  no("wss://relay.localhost", "localhost"),
  no("wss://localhost.localdomain", "localhost"),
  no("wss://localhost.", "localhost"),
  no("wss://printer.local", "reserved domain"),
  no("wss://relay.test", "reserved domain"),
  no("wss://relay.invalid", "reserved domain"),
  no("wss://router.home.arpa", "reserved domain"),
  no("wss://db.internal", "reserved domain"),
  // hostname syntax
  no("wss://relay", "invalid hostname"),
  no("wss://relay.123", "invalid hostname"),
  no("wss://-relay.com", "invalid hostname"),
  no("wss://relay-.com", "invalid hostname"),
  no("wss://a..b.com", "invalid hostname"),
  no("wss://.relay.com", "invalid hostname"),
  no("wss://relay.com..", "invalid hostname"),
  no(`wss://${"a".repeat(64)}.com`, "invalid hostname"),
  no(`wss://${`${"a".repeat(50)}.`.repeat(5)}com`, "invalid hostname"),
  no("wss://rel$ay.com", "invalid"),
  no("wss://relay.com\\evil.com", "invalid character in host"),
  no("wss://relay%00.com", "invalid character in host"),
  no("wss://relay%2Fevil.com", "invalid character in host"),
  no("wss://relay%20.com", "invalid character in host"),
  no("wss://relay%.com", "invalid percent-encoding"),
  no("wss://xn--zz.com", "invalid international domain name"),
  // IPv4
  no("wss://127.0.0.1", "private or reserved IP"),
  no("wss://127.0.0.1:7777", "private or reserved IP"),
  no("ws://127.255.255.254/", "private or reserved IP"),
  no("wss://0.0.0.0", "private or reserved IP"),
  no("wss://10.0.0.1", "private or reserved IP"),
  no("wss://10.255.255.255", "private or reserved IP"),
  no("wss://100.64.0.1", "private or reserved IP"),
  no("wss://100.127.255.255", "private or reserved IP"),
  no("wss://169.254.169.254", "private or reserved IP"),
  no("wss://172.16.0.1", "private or reserved IP"),
  no("wss://172.31.255.255", "private or reserved IP"),
  no("wss://192.168.1.1", "private or reserved IP"),
  no("wss://192.0.0.8", "private or reserved IP"),
  no("wss://192.0.2.1", "private or reserved IP"),
  no("wss://192.88.99.1", "private or reserved IP"),
  no("wss://198.18.0.1", "private or reserved IP"),
  no("wss://198.19.255.255", "private or reserved IP"),
  no("wss://198.51.100.7", "private or reserved IP"),
  no("wss://203.0.113.9", "private or reserved IP"),
  no("wss://224.0.0.1", "private or reserved IP"),
  no("wss://239.255.255.250", "private or reserved IP"),
  no("wss://240.0.0.1", "private or reserved IP"),
  no("wss://255.255.255.255", "private or reserved IP"),
  no("wss://１２７.０.０.１", "private or reserved IP"),
  no("wss://127.0.0.1.", "private or reserved IP"),
  no("wss://01.2.3.4", "leading zeros"),
  no("wss://1.2.3.04", "leading zeros"),
  no("wss://010.0.0.1", "leading zeros"),
  no("wss://256.1.1.1", "invalid IPv4"),
  no("wss://1.2.3", "invalid hostname"),
  no("wss://127.1", "invalid hostname"),
  no("wss://2130706433", "invalid hostname"),
  no("wss://0x7f.0.0.1", "invalid hostname"),
  no("wss://1.2.3.4.5", "invalid hostname"),
  // IPv6
  no("wss://[::1]", "private or reserved IP"),
  no("wss://[::]", "private or reserved IP"),
  no("wss://[0:0:0:0:0:0:0:1]:443", "private or reserved IP"),
  no("wss://[::1.2.3.4]", "private or reserved IP"),
  no("wss://[::ffff:127.0.0.1]", "private or reserved IP"),
  no("wss://[::ffff:7f00:1]", "private or reserved IP"),
  no("wss://[::ffff:192.168.0.1]", "private or reserved IP"),
  no("wss://[64:ff9b::1.2.3.4]", "private or reserved IP"),
  no("wss://[100::1]", "private or reserved IP"),
  no("wss://[2001::1]", "private or reserved IP"),
  no("wss://[2001:2::1]", "private or reserved IP"),
  no("wss://[2001:db8::1]", "private or reserved IP"),
  no("wss://[2001:10::1]", "private or reserved IP"),
  no("wss://[3fff::1]", "private or reserved IP"),
  no("wss://[fc00::1]", "private or reserved IP"),
  no("wss://[fd12:3456::1]", "private or reserved IP"),
  no("wss://[fe80::1]", "private or reserved IP"),
  no("wss://[febf::1]", "private or reserved IP"),
  no("wss://[fec0::1]", "private or reserved IP"),
  no("wss://[feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]", "private or reserved IP"),
  no("wss://[64:ff9b:1::1]", "private or reserved IP"),
  no("wss://[64:ff9b:1:ffff:ffff:ffff:ffff:ffff]", "private or reserved IP"),
  no("wss://[ff02::1]", "private or reserved IP"),
  no("wss://[fe80::1%25eth0]", "invalid IPv6"),
  no("wss://[2606:4700::1::2]", "invalid IPv6"),
  no("wss://[12345::1]", "invalid IPv6"),
  no("wss://[2606:4700:0:0:0:0:0:0:1]", "invalid IPv6"),
  no("wss://[relay.com]", "invalid IPv6"),
  no("wss://[2606:4700::1]x", "invalid port"),
  no("wss://::1", "must be in brackets"),
  no("wss://2606:4700::1", "must be in brackets"),
  // overlays
  no("ws://expyuzz4wqqyqhjn.onion", "deprecated .onion v2"),
  no(`ws://${ONION_BAD_SUM}.onion`, "invalid .onion"),
  no(`ws://${ONION.slice(1)}.onion`, "invalid .onion"),
  no(`ws://-x.${ONION}.onion`, "invalid .onion"),
  no("ws://relay.onion", "invalid .onion"),
  no("ws://onion", "invalid .onion"),
  no(`ws://${I2P.slice(1)}.b32.i2p`, "invalid .i2p"),
  no(`ws://x.${I2P}.b32.i2p`, "invalid .i2p"),
  no("ws://-bad.i2p", "invalid .i2p"),
  no("ws://i2p", "invalid .i2p"),
  no(`ws://${LOKI.slice(1)}.loki`, "invalid .loki"),
  no(`ws://${LOKI.slice(0, -1)}a.loki`, "invalid .loki"),
  no(`ws://${LOKI.slice(0, -2)}ly.loki`, "invalid .loki"),
  no("ws://relay.loki", "invalid .loki"),
  // length
  no(`wss://relay.com/${"a".repeat(2100)}`, "too long"),
  no(`wss://relay.com/?q=${"a".repeat(3000)}`, "too long"),
];

describe("parseRelayUrl accepts and normalises", () => {
  it.each(accepted)("$input", ({ input, url, network }) => {
    const r = parseRelayUrl(input);
    expect(r).toMatchObject({ ok: true, url, network });
  });
});

describe("parseRelayUrl rejects", () => {
  it.each(rejected)("$input", ({ input, reason }) => {
    const r = parseRelayUrl(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});

describe("canonical URLs", () => {
  it("has at least 120 vectors", () => {
    expect(accepted.length + rejected.length).toBeGreaterThanOrEqual(120);
  });

  it.each(accepted)("is a fixpoint: $url", ({ url, network }) => {
    expect(parseRelayUrl(url)).toMatchObject({ ok: true, url, network });
  });

  it("changes every input that is not canonical yet", () => {
    const changed = accepted.filter((v) => v.input !== v.url);
    expect(changed.length).toBeGreaterThan(50);
    for (const v of changed) expect(parseRelayUrl(v.input)).toMatchObject({ ok: true, url: v.url });
  });
});

describe("parseRelayUrl result parts", () => {
  it.each([
    ["wss://relay.example.com", "relay.example.com", null, ""],
    ["wss://relay.example.com:8080/a/b", "relay.example.com", 8080, "/a/b"],
    ["wss://[2606:4700::1]:8443", "2606:4700::1", 8443, ""],
    [`wss://${ONION}.onion:443/x`, `${ONION}.onion`, 443, "/x"],
  ] as const)("%s", (input, host, port, path) => {
    expect(parseRelayUrl(input)).toMatchObject({ ok: true, host, port, path });
  });

  it("honours maxLength", () => {
    expect(parseRelayUrl("wss://relay.example.com", { maxLength: 10 })).toMatchObject({
      ok: false,
      reason: "URL too long",
    });
    expect(parseRelayUrl("wss://relay.example.com", { maxLength: 23 }).ok).toBe(true);
  });
});

describe("parseRelayUrl with allowPrivate (devnet and tests only)", () => {
  const cases: [string, string][] = [
    ["ws://127.0.0.1:7001", "ws://127.0.0.1:7001"],
    ["wss://127.0.0.1", "wss://127.0.0.1"],
    ["WS://LOCALHOST:7000/", "ws://localhost:7000"],
    ["ws://[::1]:7000/path/", "ws://[::1]:7000/path"],
    ["ws://10.1.2.3:80", "ws://10.1.2.3"],
    ["ws://relay.damus.io", "wss://relay.damus.io"],
  ];
  it.each(cases)("accepts %s as %s, and the result is a fixpoint", (input, expected) => {
    const result = parseRelayUrl(input, { allowPrivate: true });
    expect(result).toMatchObject({ ok: true, url: expected, network: "clearnet" });
    if (result.ok)
      expect(parseRelayUrl(result.url, { allowPrivate: true })).toMatchObject({ url: expected });
  });

  it("still rejects private hosts without the option", () => {
    for (const [input] of cases.slice(0, 5)) expect(parseRelayUrl(input).ok).toBe(false);
  });

  it("keeps every other rule", () => {
    expect(parseRelayUrl("ws://user:pw@127.0.0.1:1", { allowPrivate: true })).toMatchObject({
      ok: false,
    });
    expect(parseRelayUrl("http://127.0.0.1", { allowPrivate: true })).toMatchObject({ ok: false });
    expect(parseRelayUrl("ws://127.0.0.1:99999", { allowPrivate: true })).toMatchObject({
      ok: false,
    });
  });
});
