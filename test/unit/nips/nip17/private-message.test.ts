/**
 * Opening NIP-17 DMs: a real message opens with its author; a rumor claiming another author
 * than the seal's signer, a seal whose signature does not verify, a wrap for someone else and
 * garbage are refused with a reason.
 */
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools";
import { wrapEvent } from "nostr-tools/nip17";
import { encrypt, getConversationKey } from "nostr-tools/nip44";
import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { openPrivateMessage } from "../../../../src/nips/nip17/private-message.js";

const me = generateSecretKey();
const mePub = getPublicKey(me);
const alice = generateSecretKey();
const mallory = generateSecretKey();

/** A gift wrap around `seal` (signed by a random key), for `to`. */
function wrapSeal(seal: object, to: string): NostrEvent {
  const key = generateSecretKey();
  const content = encrypt(JSON.stringify(seal), getConversationKey(key, to));
  return finalizeEvent({ kind: 1059, created_at: 1, tags: [["p", to]], content }, key);
}

/** A seal by `signer` around a rumor claiming `author`. */
function seal(signer: Uint8Array, author: string, text: string) {
  const rumor = { kind: 14, pubkey: author, created_at: 1, tags: [["p", mePub]], content: text };
  const content = encrypt(JSON.stringify(rumor), getConversationKey(signer, mePub));
  return finalizeEvent({ kind: 13, created_at: 1, tags: [], content }, signer);
}

describe("openPrivateMessage", () => {
  it("opens a message with its author and text", () => {
    const wrap = wrapEvent(alice, { publicKey: mePub }, "subscribe wss://r.example");
    expect(openPrivateMessage(wrap, me)).toEqual({
      ok: true,
      message: {
        sender: getPublicKey(alice),
        text: "subscribe wss://r.example",
        createdAt: expect.any(Number),
      },
    });
  });

  it("refuses a rumor that names another author than the seal's signer", () => {
    const forged = wrapSeal(seal(mallory, getPublicKey(alice), "subscribe x"), mePub);
    expect(openPrivateMessage(forged, me)).toEqual({ ok: false, reason: "rumor not by sealer" });
  });

  it("refuses a seal whose signature does not verify", () => {
    const s = seal(alice, getPublicKey(alice), "hi");
    expect(openPrivateMessage(wrapSeal(s, mePub), me).ok).toBe(true);
    const unsigned = { ...s, sig: "0".repeat(128) };
    expect(openPrivateMessage(wrapSeal(unsigned, mePub), me)).toEqual({
      ok: false,
      reason: "bad seal signature",
    });
  });

  it("refuses a wrap for someone else and one that is not a wrap", () => {
    const other = wrapEvent(alice, { publicKey: getPublicKey(mallory) }, "hi");
    expect(openPrivateMessage(other, me).ok).toBe(false);
    expect(openPrivateMessage({ ...other, kind: 1 }, me)).toEqual({
      ok: false,
      reason: "not a gift wrap",
    });
  });
});
