/**
 * Opening a NIP-17 private direct message addressed to us (NIP-59 gift wrap, kind 1059 → seal,
 * kind 13 → rumor, kind 14), with the checks that make its author known: the seal's signature
 * verifies, and the rumor's author is the seal's signer. The cryptography is nostr-tools'
 * (NIP-44 v2 and the event signature); `sendPrivateMessage`'s wrapping is its nip17.wrapEvent.
 */
import { decrypt, getConversationKey } from "nostr-tools/nip44";
import { verifyEvent } from "nostr-tools/pure";
import { validateEvent } from "../../models/event.js";
import type { NostrEvent } from "../../models/event-types.js";

/** An opened message: its verified author, its text and when the author says it was written. */
export interface PrivateMessage {
  sender: string;
  text: string;
  createdAt: number;
}

export type OpenResult = { ok: true; message: PrivateMessage } | { ok: false; reason: string };

/** Largest encrypted payload opened (NIP-44 v2 carries at most 65,535 bytes of plaintext). */
const MAX_PAYLOAD = 200_000;

function decryptJson(payload: string, secretKey: Uint8Array, from: string): unknown {
  if (payload.length > MAX_PAYLOAD) throw new Error("payload too large");
  return JSON.parse(decrypt(payload, getConversationKey(secretKey, from)));
}

/** The rumor's fields we use, checked (it has no signature: its author is the seal's). */
function rumorOf(raw: unknown): { pubkey: string; kind: number; content: string; at: number } {
  const r = raw as Record<string, unknown> | null;
  if (typeof r !== "object" || r === null) throw new Error("rumor is not an object");
  const { pubkey, kind, content, created_at: at } = r;
  if (typeof pubkey !== "string" || typeof kind !== "number" || typeof content !== "string") {
    throw new Error("rumor lacks pubkey, kind or content");
  }
  return { pubkey, kind, content, at: typeof at === "number" ? at : 0 };
}

/** Opens `wrap` with `secretKey`; never throws (a wrap that is not a valid message says why). */
export function openPrivateMessage(wrap: NostrEvent, secretKey: Uint8Array): OpenResult {
  try {
    if (wrap.kind !== 1059) return { ok: false, reason: "not a gift wrap" };
    const seal = validateEvent(decryptJson(wrap.content, secretKey, wrap.pubkey));
    if (!seal.ok) return { ok: false, reason: `bad seal: ${seal.reason}` };
    if (seal.event.kind !== 13) return { ok: false, reason: "not a seal" };
    if (!verifyEvent({ ...seal.event })) return { ok: false, reason: "bad seal signature" };
    const rumor = rumorOf(decryptJson(seal.event.content, secretKey, seal.event.pubkey));
    if (rumor.pubkey !== seal.event.pubkey) return { ok: false, reason: "rumor not by sealer" };
    if (rumor.kind !== 14) return { ok: false, reason: `rumor kind ${rumor.kind}` };
    return {
      ok: true,
      message: { sender: rumor.pubkey, text: rumor.content, createdAt: rumor.at },
    };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
