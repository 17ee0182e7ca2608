import { createHash } from "node:crypto";
import type { Nostr } from "nostr-wasm";
import type { NostrEvent } from "../models/event-types.js";
import { computeEventId } from "./crypto.js";

/** An event before id, pubkey and sig are filled in. */
export interface EventTemplate {
  kind: number;
  created_at: number;
  tags: string[][];
  content: string;
}

/** A deterministic identity: the same seed always gives the same keys. */
export interface FakeUser {
  readonly seed: string;
  readonly secretKey: Uint8Array;
  readonly pubkey: string;
  /** Fills id, pubkey and a real BIP-340 signature (deterministic: zero aux randomness). */
  sign(template: EventTemplate): NostrEvent;
  /** Fills a correct id and pubkey but the given (fake) sig: fast data for DB benchmarks. */
  withFakeSig(template: EventTemplate, sig: string): NostrEvent;
}

/**
 * BIP-340 aux randomness only hardens against side channels; test keys don't need it, and a
 * fixed value makes signatures (hence reposts embedding them) reproducible. nostr-wasm 0.1 keeps
 * its previous aux buffer when one is passed, and the devnet's private instance never writes it,
 * so the result is deterministic either way.
 */
const ZERO_AUX = new Uint8Array(32);

/** secp256k1 group order: secret keys must be in [1, n-1]. */
const CURVE_ORDER = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

function deriveSecretKey(seed: string): Uint8Array {
  for (let counter = 0; ; counter++) {
    const hex = createHash("sha256").update(`bigbrotr-devnet-key:${seed}:${counter}`).digest("hex");
    if (hex < CURVE_ORDER && !/^0+$/.test(hex)) return Uint8Array.from(Buffer.from(hex, "hex"));
  }
}

/** Builds a user once nostr-wasm is loaded (synchronous, for tight loops). */
export function makeUserWith(wasm: Nostr, seed: number | string): FakeUser {
  const secretKey = deriveSecretKey(String(seed));
  const pubkey = Buffer.from(wasm.getPublicKey(secretKey)).toString("hex");
  return {
    seed: String(seed),
    secretKey,
    pubkey,
    sign(template) {
      const ev = { ...template, tags: template.tags, id: "", pubkey: "", sig: "" };
      wasm.finalizeEvent(ev, secretKey, ZERO_AUX);
      return ev;
    },
    withFakeSig(template, sig) {
      const base = { ...template, pubkey };
      return { ...base, id: computeEventId(base), sig };
    },
  };
}
