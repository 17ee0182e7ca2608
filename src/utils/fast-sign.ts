/**
 * Signing many events with one key (the monitor's rtt write probe, one per relay a cycle):
 * libsecp256k1 compiled to WebAssembly (nostr-wasm), ~3.5× faster than the pure-JS signer of
 * utils/keys.ts, loaded at the first signature; the pure-JS signer stands in when it cannot
 * load. The public key is derived once per key.
 */
import { initNostrWasm, type Nostr } from "nostr-wasm";
import type { NostrEvent } from "../models/event-types.js";
import { derivePubkey, type EventTemplate, signEvent } from "./keys.js";

let wasm: Promise<Nostr | null> | undefined;
const pubkeys = new WeakMap<Uint8Array, string>();

/** The hex public key of `secretKey`, derived once per key object. */
export function cachedPubkey(secretKey: Uint8Array): string {
  let pubkey = pubkeys.get(secretKey);
  if (pubkey === undefined) {
    pubkey = derivePubkey(secretKey);
    pubkeys.set(secretKey, pubkey);
  }
  return pubkey;
}

/** Signs `template` like keys.ts signEvent (same id; BIP-340 signature), with the WASM signer. */
export async function signEventFast(
  template: EventTemplate,
  secretKey: Uint8Array,
): Promise<NostrEvent> {
  wasm ??= initNostrWasm().catch(() => null);
  const nostr = await wasm;
  if (nostr === null) return signEvent(template, secretKey);
  const event = {
    kind: template.kind,
    created_at: template.created_at,
    tags: template.tags,
    content: template.content,
    id: "",
    pubkey: "",
    sig: "",
  };
  nostr.finalizeEvent(event, secretKey);
  return event;
}
