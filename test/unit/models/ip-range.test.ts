import { describe, expect, it } from "vitest";
import {
  formatIpv6,
  isPrivateAddress,
  parseIpv4,
  parseIpv6,
} from "../../../src/models/ip-range.js";

describe("isPrivateAddress", () => {
  it.each([
    ["127.0.0.1", true],
    ["10.1.2.3", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["172.20.0.1", true],
    ["192.168.0.1", true],
    ["0.0.0.0", true],
    ["255.255.255.255", true],
    ["8.8.8.8", false],
    ["1.1.1.1", false],
    ["172.32.0.1", false],
    ["::1", true],
    ["[::1]", true],
    ["::", true],
    ["fe80::1", true],
    ["fd00::1", true],
    ["ff02::fb", true],
    ["2001:db8::1", true],
    ["64:ff9b::808:808", true],
    ["::ffff:10.0.0.1", true],
    ["::ffff:8.8.8.8", false],
    ["2606:4700::1111", false],
    ["[2a00:1450:4001::200e]", false],
    ["not-an-ip", true],
    ["", true],
    ["010.0.0.1", true],
    ["1.2.3.256", true],
  ])("%s → %s", (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});

// Both edges of ranges that a mutation could drop unnoticed, and the addresses just outside.
// fec0::/10 lies between fe80::/10 and ff00::/8, so its outside neighbours stay reserved;
// only its own edges show that the range is there.
describe("isPrivateAddress at range edges", () => {
  it.each([
    // fec0::/10, deprecated site-local (RFC 3879)
    ["fec0::", true],
    ["fec0::1", true],
    ["fed0:1234::5", true],
    ["feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true],
    ["febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true], // below: fe80::/10
    ["ff00::", true], // above: ff00::/8
    // 64:ff9b:1::/48, local-use NAT64 (RFC 8215)
    ["64:ff9b:1::", true],
    ["64:ff9b:1::a00:1", true],
    ["64:ff9b:1:ffff:ffff:ffff:ffff:ffff", true],
    ["64:ff9b:0:ffff:ffff:ffff:ffff:ffff", false], // below, past 64:ff9b::/96
    ["64:ff9b:2::", false], // above
    ["64:ff9b::ffff:ffff", true], // last of 64:ff9b::/96
    ["64:ff9b::1:0:0", false], // just past 64:ff9b::/96
  ])("%s → %s", (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});

describe("IP literal parsing and RFC 5952 text", () => {
  it.each([
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["2001:DB8:0:0:0:0:2:1", "2001:db8::2:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["::ffff:1.2.3.4", "::ffff:102:304"],
    ["0001:0002:0003:0004:0005:0006:0007:0008", "1:2:3:4:5:6:7:8"],
  ])("%s → %s", (input, expected) => {
    const groups = parseIpv6(input);
    expect(groups).not.toBeNull();
    expect(formatIpv6(groups ?? [])).toBe(expected);
  });

  it.each([
    "1:2:3:4:5:6:7",
    "1::2::3",
    ":1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "g::1",
    "::1.2.3.04",
    "1:2:3:4:5:6:7::8",
  ])("rejects IPv6 %s", (input) => {
    expect(parseIpv6(input)).toBeNull();
  });

  it.each([
    ["1.2.3.4", 0x01020304],
    ["255.255.255.255", 0xffffffff],
    ["0.0.0.0", 0],
    ["01.2.3.4", null],
    ["1.2.3", null],
    ["1.2.3.4.", null],
    ["1.2.3.-4", null],
    ["256.0.0.0", null],
  ])("parseIpv4 %s", (input, expected) => {
    expect(parseIpv4(input)).toBe(expected);
  });
});
