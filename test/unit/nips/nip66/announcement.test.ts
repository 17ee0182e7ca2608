import { describe, expect, it } from "vitest";
import {
  buildMonitorAnnouncement,
  type MonitorAnnouncementInput,
} from "../../../../src/nips/nip66/announcement.js";
import { parseMonitorAnnouncement } from "../../../../src/nips/nip66/announcement-parse.js";
import { derivePubkey, signEvent } from "../../../../src/utils/keys.js";

const SECRET = Uint8Array.from(Buffer.from(`${"0".repeat(62)}2b`, "hex"));
const CREATED_AT = 1_760_000_000;

const everything: MonitorAnnouncementInput = {
  frequencySeconds: 14_400,
  // Given out of order: the tags come in MONITOR_CHECKS order all the same.
  checks: [
    { check: "http", timeoutMs: 10_000 },
    { check: "open", timeoutMs: 10_000 },
    { check: "read", timeoutMs: 10_000 },
    { check: "write", timeoutMs: 10_000 },
    { check: "nip11", timeoutMs: 15_000 },
    { check: "ssl", timeoutMs: 10_000 },
    { check: "dns", timeoutMs: 5_000 },
    { check: "geo", timeoutMs: 1_000 },
    { check: "net", timeoutMs: 1_000 },
  ],
  networks: ["tor", "clearnet", "i2p"],
  geohash: "u0yjjd6",
  createdAt: CREATED_AT,
};

describe("buildMonitorAnnouncement: golden events", () => {
  it("every check on three networks, with a location", () => {
    expect(buildMonitorAnnouncement(everything)).toEqual({
      kind: 10166,
      created_at: CREATED_AT,
      content: "",
      tags: [
        ["frequency", "14400"],
        ["timeout", "open", "10000"],
        ["timeout", "read", "10000"],
        ["timeout", "write", "10000"],
        ["timeout", "nip11", "15000"],
        ["timeout", "ssl", "10000"],
        ["timeout", "dns", "5000"],
        ["timeout", "geo", "1000"],
        ["timeout", "net", "1000"],
        ["timeout", "http", "10000"],
        ["c", "open"],
        ["c", "read"],
        ["c", "write"],
        ["c", "nip11"],
        ["c", "ssl"],
        ["c", "dns"],
        ["c", "geo"],
        ["c", "net"],
        ["c", "http"],
        ["n", "clearnet"],
        ["n", "tor"],
        ["n", "i2p"],
        ["g", "u0yjjd6"],
      ],
    });
  });

  it("an overlay-only monitor without write probe or location", () => {
    const template = buildMonitorAnnouncement({
      frequencySeconds: 3600,
      checks: [
        { check: "open", timeoutMs: 30_000 },
        { check: "read", timeoutMs: 30_000 },
        { check: "nip11", timeoutMs: 30_000 },
      ],
      networks: ["tor"],
      createdAt: CREATED_AT,
    });
    expect(template.tags).toEqual([
      ["frequency", "3600"],
      ["timeout", "open", "30000"],
      ["timeout", "read", "30000"],
      ["timeout", "nip11", "30000"],
      ["c", "open"],
      ["c", "read"],
      ["c", "nip11"],
      ["n", "tor"],
    ]);
  });

  it.each([
    [{ ...everything, frequencySeconds: 0 }, "frequency must be a positive integer, got 0"],
    [{ ...everything, frequencySeconds: 1.5 }, "frequency must be a positive integer, got 1.5"],
    [
      { ...everything, checks: [{ check: "open", timeoutMs: -1 }] },
      "timeout of open must be a positive integer, got -1",
    ],
  ] as const)("throws on a bug in its input: %#", (input, message) => {
    expect(() => buildMonitorAnnouncement(input)).toThrow(new RangeError(message));
  });
});

const raw = (tags: string[][]) =>
  signEvent({ kind: 10166, created_at: CREATED_AT, tags, content: "" }, SECRET);

describe("parseMonitorAnnouncement", () => {
  it("reads back what buildMonitorAnnouncement wrote", () => {
    const event = signEvent(buildMonitorAnnouncement(everything), SECRET);
    expect(parseMonitorAnnouncement(event)).toEqual({
      ok: true,
      issues: [],
      announcement: {
        monitor: derivePubkey(SECRET),
        createdAt: CREATED_AT,
        frequency: 14_400,
        timeouts: [
          { check: "open", ms: 10_000 },
          { check: "read", ms: 10_000 },
          { check: "write", ms: 10_000 },
          { check: "nip11", ms: 15_000 },
          { check: "ssl", ms: 10_000 },
          { check: "dns", ms: 5_000 },
          { check: "geo", ms: 1_000 },
          { check: "net", ms: 1_000 },
          { check: "http", ms: 10_000 },
        ],
        checks: ["open", "read", "write", "nip11", "ssl", "dns", "geo", "net", "http"],
        networks: ["clearnet", "tor", "i2p"],
        geohashes: ["u0yjjd6"],
      },
    });
  });

  it("reads timeouts in both orders, and ms alone as every check's", () => {
    const result = parseMonitorAnnouncement(
      raw([
        ["timeout", "open", "5000"],
        ["timeout", "3000", "read"],
        ["timeout", "2000"],
        ["frequency", "3600"],
        ["c", "ws"],
      ]),
    );
    expect(result).toMatchObject({
      ok: true,
      issues: [],
      announcement: {
        frequency: 3600,
        timeouts: [{ check: "open", ms: 5000 }, { check: "read", ms: 3000 }, { ms: 2000 }],
        checks: ["ws"],
      },
    });
  });

  it("leaves out malformed tags with their reasons", () => {
    const result = parseMonitorAnnouncement(
      raw([
        ["frequency", "0"],
        ["frequency", "hourly"],
        ["timeout", "open", "soon"],
        ["timeout", "open", "100"],
        ["timeout", "100", "open"],
        ["timeout"],
        ["c", "Open"],
        ["c", "dns"],
        ["c", "dns"],
        ["n", "web"],
        ["g", "not-a-geohash"],
      ]),
    );
    expect(result).toMatchObject({
      ok: true,
      announcement: {
        frequency: undefined,
        timeouts: [{ check: "open", ms: 100 }],
        checks: ["dns"],
      },
      issues: [
        'tag 0 ["frequency","0"]: not a positive number of seconds',
        'tag 1 ["frequency","hourly"]: not a positive number of seconds',
        'tag 2 ["timeout","open","soon"]: neither [check, ms] nor [ms, check]',
        'tag 4 ["timeout","100","open"]: repeated (the first is kept)',
        'tag 5 ["timeout"]: no value',
        'tag 6 ["c","Open"]: not a lowercase check name',
        'tag 8 ["c","dns"]: repeated',
        'tag 9 ["n","web"]: unknown network',
        'tag 10 ["g","not-a-geohash"]: not a geohash',
        "no valid frequency tag",
      ],
    });
  });

  it("refuses another kind without throwing", () => {
    const event = { ...raw([]), kind: 30166 };
    expect(parseMonitorAnnouncement(event)).toEqual({
      ok: false,
      reason: "kind 30166, expected 10166",
    });
  });
});
