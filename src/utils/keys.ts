/**
 * Nostr keys: parse a secret key given as 64 hex characters or NIP-19 `nsec1…`, derive the
 * x-only public key, sign event templates. Secret keys never appear in error messages.
 */
import { decode } from "nostr-tools/nip19";
import { finalizeEvent, getPublicKey, verifyEvent } from "nostr-tools/pure";
import { ConfigError } from "../models/errors.js";
import type { NostrEvent } from "../models/event-types.js";

/** An event before signing: `pubkey`, `id` and `sig` are filled in by `signEvent`. */
export interface EventTemplate {
  kind: number;
  created_at: number;
  tags: string[][];
  content: string;
}

export type SecretKeyParse =
  | { ok: true; secretKey: Uint8Array; pubkey: string }
  | { ok: false; reason: string };

const HEX64 = /^[0-9a-fA-F]{64}$/;

function fromBytes(bytes: Uint8Array): SecretKeyParse {
  if (bytes.length !== 32) return { ok: false, reason: "secret key must be 32 bytes" };
  try {
    return { ok: true, secretKey: bytes, pubkey: getPublicKey(bytes) };
  } catch {
    return { ok: false, reason: "secret key is out of range for secp256k1" };
  }
}

function fromNsec(text: string): SecretKeyParse {
  let decoded: ReturnType<typeof decode>;
  try {
    decoded = decode(text);
  } catch {
    return { ok: false, reason: "nsec is not valid bech32 (bad checksum or characters)" };
  }
  if (decoded.type !== "nsec") {
    return { ok: false, reason: `expected an nsec, got an ${decoded.type}` };
  }
  return fromBytes(decoded.data);
}

/**
 * Parses a secret key (64 hex chars or `nsec1…`, surrounding whitespace ignored).
 */
export function parseSecretKey(input: string): SecretKeyParse {
  const text = input.trim();
  if (text === "") return { ok: false, reason: "secret key is empty" };
  if (text.toLowerCase().startsWith("nsec1")) return fromNsec(text.toLowerCase());
  if (text.toLowerCase().startsWith("npub1")) {
    return { ok: false, reason: "got a public key (npub); a secret key (nsec or hex) is needed" };
  }
  if (!HEX64.test(text)) {
    return { ok: false, reason: "secret key must be 64 hex characters or an nsec1… string" };
  }
  return fromBytes(Uint8Array.from(Buffer.from(text, "hex")));
}

/**
 * The secret key in the environment variable `name` (named by the config at `what`), or
 * undefined when it is unset or empty. A malformed key is a ConfigError naming the variable
 * and the problem, never the value.
 */
export function secretKeyFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  what: string,
): (SecretKeyParse & { ok: true }) | undefined {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  const parsed = parseSecretKey(value);
  if (!parsed.ok) {
    throw new ConfigError(`${what}: environment variable ${name} is malformed`, [
      `${name}: ${parsed.reason}`,
    ]);
  }
  return parsed;
}

/**
 * The hex x-only public key of `secretKey`. Throws on an invalid key (a bug: parse first).
 */
export function derivePubkey(secretKey: Uint8Array): string {
  return getPublicKey(secretKey);
}

/** Signs `template` (computes pubkey, id and BIP-340 signature). */
export function signEvent(template: EventTemplate, secretKey: Uint8Array): NostrEvent {
  const signed = finalizeEvent(
    {
      kind: template.kind,
      created_at: template.created_at,
      tags: template.tags,
      content: template.content,
    },
    secretKey,
  );
  return {
    id: signed.id,
    pubkey: signed.pubkey,
    created_at: signed.created_at,
    kind: signed.kind,
    tags: signed.tags,
    content: signed.content,
    sig: signed.sig,
  };
}

/** True when `event`'s id is the hash of its content and its signature is its author's (BIP-340). */
export function verifySignedEvent(event: NostrEvent): boolean {
  return verifyEvent({ ...event });
}
