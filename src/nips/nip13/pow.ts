/**
 * NIP-13 proof of work: the difficulty of an id is its number of leading zero bits; mining
 * appends `["nonce", n, target]` and counts n up until the id reaches the target. Mining is
 * synchronous (about a million hashes a second here), so callers cap the difficulty.
 */
import { createHash, randomBytes } from "node:crypto";
import { serializeEvent } from "../../models/event.js";
import type { EventTemplate } from "../../utils/keys.js";

function zeroBits(bytes: Uint8Array): number {
  let bits = 0;
  for (const byte of bytes) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

/**
 * Leading zero bits of a hex event id (0 for anything that is not hex).
 * @public what a relay checks (tests use it; the devnet counts on its own, independently)
 */
export function powDifficulty(id: string): number {
  if (!/^[0-9a-f]*$/i.test(id)) return 0;
  return zeroBits(Buffer.from(id.length % 2 === 0 ? id : `${id}0`, "hex"));
}

/**
 * `template` plus a nonce tag that gives its id (for `pubkey`) at least `difficulty` leading
 * zero bits, or null when `maxAttempts` nonces did not suffice.
 */
export function minePow(
  template: EventTemplate,
  pubkey: string,
  difficulty: number,
  maxAttempts = 2 ** 32,
): EventTemplate | null {
  const target = String(difficulty);
  if (difficulty <= 0) return template;
  const marker = `nonce-${randomBytes(8).toString("hex")}`;
  const tags = [...template.tags, ["nonce", marker, target]];
  const text = serializeEvent({ ...template, pubkey, tags });
  const at = text.lastIndexOf(`"${marker}"`);
  const head = text.slice(0, at + 1);
  const tail = text.slice(at + 1 + marker.length);
  for (let nonce = 0; nonce < maxAttempts; nonce++) {
    const digest = createHash("sha256").update(`${head}${nonce}${tail}`, "utf8").digest();
    if (zeroBits(digest) >= difficulty) {
      return { ...template, tags: [...template.tags, ["nonce", String(nonce), target]] };
    }
  }
  return null;
}
