import { verifyEvent } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { cachedPubkey, signEventFast } from "../../../src/utils/fast-sign.js";
import { derivePubkey, signEvent } from "../../../src/utils/keys.js";

const secretKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const template = {
  kind: 30078,
  created_at: 1_700_000_000,
  tags: [["d", "probe"]],
  content: "NIP-66 write probe 0a0b0c0d",
};

describe("signEventFast", () => {
  it("signs with the same id and pubkey as the pure-JS signer, and the signature verifies", async () => {
    const fast = await signEventFast(template, secretKey);
    const slow = signEvent(template, secretKey);
    expect({ id: fast.id, pubkey: fast.pubkey }).toEqual({ id: slow.id, pubkey: slow.pubkey });
    expect(verifyEvent({ ...fast })).toBe(true);
    expect(verifyEvent({ ...fast, content: "tampered" })).toBe(false);
  });

  it("derives a key's pubkey once", () => {
    expect(cachedPubkey(secretKey)).toBe(derivePubkey(secretKey));
    expect(cachedPubkey(secretKey)).toBe(cachedPubkey(secretKey));
  });
});
