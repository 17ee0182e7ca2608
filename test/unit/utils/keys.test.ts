import { nip19 } from "nostr-tools";
import { verifyEvent } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/models/errors.js";
import {
  derivePubkey,
  parseSecretKey,
  secretKeyFromEnv,
  signEvent,
} from "../../../src/utils/keys.js";

// Test vector: secret key 1 → generator point x-coordinate.
const SK_ONE = `${"0".repeat(63)}1`;
const PK_ONE = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

describe("parseSecretKey", () => {
  it("parses hex (any case, trimmed)", () => {
    const parsed = parseSecretKey(`  ${SK_ONE.toUpperCase()}\n`);
    expect(parsed).toMatchObject({ ok: true, pubkey: PK_ONE });
  });

  it("parses nsec", () => {
    const nsec = nip19.nsecEncode(Uint8Array.from(Buffer.from(SK_ONE, "hex")));
    const parsed = parseSecretKey(nsec);
    expect(parsed.ok && parsed.pubkey).toBe(PK_ONE);
    expect(parsed.ok && Buffer.from(parsed.secretKey).toString("hex")).toBe(SK_ONE);
  });

  it.each([
    ["", "secret key is empty"],
    ["abc", "secret key must be 64 hex characters or an nsec1… string"],
    ["g".repeat(64), "secret key must be 64 hex characters or an nsec1… string"],
    ["0".repeat(64), "secret key is out of range for secp256k1"],
    ["f".repeat(64), "secret key is out of range for secp256k1"],
    ["nsec1qqqqqqqq", "nsec is not valid bech32 (bad checksum or characters)"],
    [nip19.npubEncode(PK_ONE), "got a public key (npub); a secret key (nsec or hex) is needed"],
    [nip19.noteEncode(PK_ONE), "secret key must be 64 hex characters or an nsec1… string"],
  ])("refuses %s", (input, reason) => {
    expect(parseSecretKey(input)).toEqual({ ok: false, reason });
  });

  it("never echoes the key in the reason", () => {
    const bad = `${"f".repeat(64)}`;
    const parsed = parseSecretKey(bad);
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed)).not.toContain(bad);
  });
});

describe("signEvent", () => {
  it("produces a verifiable event", () => {
    const parsed = parseSecretKey(SK_ONE);
    if (!parsed.ok) throw new Error(parsed.reason);
    const ev = signEvent(
      { kind: 1, created_at: 1700000000, tags: [["t", "x"]], content: "hi" },
      parsed.secretKey,
    );
    expect(ev.pubkey).toBe(PK_ONE);
    expect(derivePubkey(parsed.secretKey)).toBe(PK_ONE);
    expect(verifyEvent({ ...ev })).toBe(true);
    expect(Object.keys(ev).sort()).toEqual([
      "content",
      "created_at",
      "id",
      "kind",
      "pubkey",
      "sig",
      "tags",
    ]);
  });
});

describe("secretKeyFromEnv", () => {
  it("is undefined when the variable is unset or empty, the parsed key otherwise", () => {
    expect(secretKeyFromEnv({}, "K", "nostr.private_key_env")).toBeUndefined();
    expect(secretKeyFromEnv({ K: "" }, "K", "nostr.private_key_env")).toBeUndefined();
    expect(secretKeyFromEnv({ K: SK_ONE }, "K", "x")).toMatchObject({ ok: true, pubkey: PK_ONE });
  });

  it("throws a ConfigError naming the variable and the problem, not the value", () => {
    const value = "f".repeat(64);
    expect(() => secretKeyFromEnv({ K: value }, "K", "nostr.private_key_env")).toThrow(
      new ConfigError("nostr.private_key_env: environment variable K is malformed", [
        "K: secret key is out of range for secp256k1",
      ]),
    );
  });
});
