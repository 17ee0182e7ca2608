import { describe, expect, it } from "vitest";
import {
  MAX_RELAYS_PER_LINE,
  NO_RELAY,
  parseImportLine,
  parseSightingRelay,
} from "../../../../src/cli/archive-file/import-line.js";

const EVENT = {
  id: "a".repeat(64),
  pubkey: "b".repeat(64),
  created_at: 1_700_000_000,
  kind: 1,
  tags: [["t", "x"]],
  content: "hello",
  sig: "c".repeat(128),
};
const line = (extra: Record<string, unknown> = {}) => JSON.stringify({ ...EVENT, ...extra });

describe("parseImportLine", () => {
  it("takes the relays field, canonicalised and de-duplicated, with their networks", () => {
    const parsed = parseImportLine(
      line({
        relays: [
          "wss://Relay.Bigbrotr-Test.NET/",
          "wss://relay.bigbrotr-test.net",
          "ws://pqtppbzn3tbq3nmvffaycd7mon3kvnfqbasqxpj5d62hmxcleukgjwad.onion",
        ],
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      event: EVENT,
      relays: [
        { url: "wss://relay.bigbrotr-test.net", network: "clearnet" },
        {
          url: "ws://pqtppbzn3tbq3nmvffaycd7mon3kvnfqbasqxpj5d62hmxcleukgjwad.onion",
          network: "tor",
        },
      ],
    });
  });

  it("keeps only the seven NIP-01 fields of the event", () => {
    const parsed = parseImportLine(
      line({ relays: ["wss://r.bigbrotr-test.net"], extra: 1, seen: [] }),
    );
    expect(parsed.ok && Object.keys(parsed.event)).toEqual(Object.keys(EVENT));
  });

  it("uses --relay instead of the relays field, even a malformed one", () => {
    const relay = { url: "wss://given.bigbrotr-test.net", network: "clearnet" as const };
    expect(parseImportLine(line({ relays: 42 }), { relay })).toEqual({
      ok: true,
      event: EVENT,
      relays: [relay],
    });
    expect(parseImportLine(line(), { relay })).toMatchObject({ ok: true, relays: [relay] });
  });

  it.each([
    ["{not json", /^not JSON: /],
    ["[1,2,3]", /^invalid: event is not an object$/],
    ["null", /^invalid: event is not an object$/],
    [line({ id: "A".repeat(64) }), /^invalid: id is not 64 lowercase hex$/],
    [line({ kind: 70_000 }), /^invalid: kind is not an integer/],
    [line({ tags: [["t", 1]] }), /^invalid: tags is not/],
    [line(), new RegExp(`^${NO_RELAY}$`)],
    [line({ relays: [] }), new RegExp(`^${NO_RELAY}$`)],
    [line({ relays: "wss://r.bigbrotr-test.net" }), /^invalid: relays is not an array of strings$/],
    [
      line({ relays: ["wss://r.bigbrotr-test.net", 7] }),
      /^invalid: relays is not an array of strings$/,
    ],
    [
      line({ relays: ["wss://r.bigbrotr-test.net", "https://r.bigbrotr-test.net"] }),
      /^invalid: relays\[1\]: scheme/,
    ],
    [line({ relays: ["ws://127.0.0.1:7000"] }), /^invalid: relays\[0\]: private or reserved/],
    [
      line({
        relays: Array.from(
          { length: MAX_RELAYS_PER_LINE + 1 },
          (_, i) => `wss://r${i}.bigbrotr-test.net`,
        ),
      }),
      /^invalid: more than 1000 relays$/,
    ],
  ])("refuses case %#", (text, reason) => {
    const parsed = parseImportLine(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });

  it("keeps reasons short whatever the input", () => {
    const parsed = parseImportLine(line({ relays: [`wss://${"x".repeat(5000)}`] }));
    expect(!parsed.ok && parsed.reason.length).toBeLessThanOrEqual(201);
    const deep = parseImportLine(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect(deep.ok).toBe(false);
  });

  it("accepts loopback relays only where private hosts are allowed", () => {
    expect(parseSightingRelay("ws://127.0.0.1:7000", true)).toEqual({
      ok: true,
      relay: { url: "ws://127.0.0.1:7000", network: "clearnet" },
    });
    expect(parseSightingRelay("ws://127.0.0.1:7000").ok).toBe(false);
    const parsed = parseImportLine(line({ relays: ["ws://127.0.0.1:7000"] }), {
      allowPrivate: true,
    });
    expect(parsed.ok).toBe(true);
  });
});
