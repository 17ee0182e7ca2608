/**
 * Nostr keys, event ids and addresses in requests: 64 lowercase hex characters or their
 * NIP-19 forms (npub, nprofile, note, nevent, naddr), decoded here so the reads below see hex
 * only. A value that is neither is a 400 naming it and saying what was expected.
 */
import { z } from "@hono/zod-openapi";
import { decode } from "nostr-tools/nip19";
import { quoted } from "./schemas.js";

const HEX64 = /^[0-9a-f]{64}$/;

type Decoded = ReturnType<typeof decode>;

function decoded(value: string): Decoded | undefined {
  try {
    return decode(value);
  } catch {
    return undefined;
  }
}

/** The hex public key `value` names (hex, npub or nprofile), or undefined. */
function pubkeyOf(value: string): string | undefined {
  if (HEX64.test(value)) return value;
  const d = decoded(value);
  if (d?.type === "npub") return d.data;
  if (d?.type === "nprofile") return d.data.pubkey;
  return undefined;
}

/** The hex event id `value` names (hex, note or nevent), or undefined. */
function eventIdOf(value: string): string | undefined {
  if (HEX64.test(value)) return value;
  const d = decoded(value);
  if (d?.type === "note") return d.data;
  if (d?.type === "nevent") return d.data.id;
  return undefined;
}

/** The `kind:pubkey:d` address an naddr names (other values are kept as they are), or undefined. */
function addressOf(value: string): string | undefined {
  if (!value.startsWith("naddr1")) return value;
  const d = decoded(value);
  return d?.type === "naddr" ? `${d.data.kind}:${d.data.pubkey}:${d.data.identifier}` : undefined;
}

/** A string parameter turned into what `read` makes of it; undefined is refused with `expected`. */
function decodedParam(read: (v: string) => string | undefined, expected: string) {
  return z.string().transform((v, ctx) => {
    const out = read(v);
    if (out !== undefined) return out;
    ctx.addIssue({ code: "custom", input: v, message: `${quoted(v)} is not ${expected}` });
    return z.NEVER;
  });
}

/** A public key: hex, npub or nprofile, answered as hex. */
export const pubkeyParam = decodedParam(
  pubkeyOf,
  "a public key: expected 64 lowercase hex characters, an npub or an nprofile",
);

/** An event id: hex, note or nevent, answered as hex. */
export const eventIdParam = decodedParam(
  eventIdOf,
  "an event id: expected 64 lowercase hex characters, a note or an nevent",
);

/**
 * The value parameter of tag `letter`: #p takes public keys and #e, #q event ids in any of
 * their forms; #a an naddr or kind:pubkey:d; other tags any text.
 */
export function tagValueParam(letter: string): z.ZodType<string, string> {
  if (letter === "p") return pubkeyParam;
  if (letter === "e" || letter === "q") return eventIdParam;
  if (letter === "a") {
    return decodedParam(addressOf, "an address: expected an naddr or kind:pubkey:d");
  }
  return z.string().min(1).max(1024);
}
