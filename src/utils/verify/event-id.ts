import { createHash } from "node:crypto";
import type { NostrEvent } from "../../models/event-types.js";

function hasNip01Shape(ev: NostrEvent): boolean {
  if (typeof ev !== "object" || ev === null) return false;
  if (typeof ev.id !== "string" || typeof ev.pubkey !== "string") return false;
  if (typeof ev.content !== "string" || typeof ev.sig !== "string") return false;
  if (!Number.isSafeInteger(ev.created_at) || !Number.isSafeInteger(ev.kind)) return false;
  if (!Array.isArray(ev.tags)) return false;
  for (const tag of ev.tags) {
    if (!Array.isArray(tag)) return false;
    for (const item of tag) if (typeof item !== "string") return false;
  }
  return true;
}

/**
 * True when `ev.id` is the sha256 of the NIP-01 serialization
 * `[0, pubkey, created_at, kind, tags, content]`. Events of the wrong shape (missing fields,
 * non-string tags, fractional timestamps…) give false rather than an exception.
 * Private to the verifier for now; `models/event.ts` will own this once it lands.
 */
export function idMatches(ev: NostrEvent): boolean {
  if (!hasNip01Shape(ev)) return false;
  const serialized = JSON.stringify([0, ev.pubkey, ev.created_at, ev.kind, ev.tags, ev.content]);
  return createHash("sha256").update(serialized).digest("hex") === ev.id;
}
