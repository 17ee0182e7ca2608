/** Really signed events for the verifier tests (nostr-wasm signs fast, nostr-tools is the cross-check). */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { initNostrWasm } from "nostr-wasm";
import type { NostrEvent } from "../../../src/models/event-types.js";

const CONTENTS = [
  "gm",
  "héllo wörld 🎉🚀",
  "日本語のテキスト、中文内容",
  'line\nbreak "quoted" \\ tab\t',
  "",
];

function eventId(ev: Omit<NostrEvent, "id" | "sig">): string {
  const json = JSON.stringify([0, ev.pubkey, ev.created_at, ev.kind, ev.tags, ev.content]);
  return createHash("sha256").update(json).digest("hex");
}

function template(i: number) {
  return {
    kind: [0, 1, 3, 7, 30023][i % 5] as number,
    created_at: 1_700_000_000 + i,
    tags:
      i % 3 === 0
        ? []
        : [
            ["t", `tag${i}`],
            ["p", "a".repeat(64), "wss://relay.example"],
          ],
    content: `${CONTENTS[i % CONTENTS.length]} #${i}`,
  };
}

/** `n` events from `keys` different signers, signed by nostr-wasm, re-parsed from JSON. */
export async function wasmSignedEvents(n: number, keys = 4): Promise<NostrEvent[]> {
  const nw = await initNostrWasm();
  const secrets = Array.from({ length: keys }, () => nw.generateSecretKey());
  const out: NostrEvent[] = [];
  for (let i = 0; i < n; i++) {
    const ev = { ...template(i), id: "", pubkey: "", sig: "" };
    nw.finalizeEvent(ev, secrets[i % keys]!);
    out.push(ev);
  }
  return JSON.parse(JSON.stringify(out)) as NostrEvent[];
}

/** A few events signed by nostr-tools' pure-JS signer (slow, so keep `n` small). */
export function nostrToolsSignedEvents(n: number): NostrEvent[] {
  const sk = generateSecretKey();
  return Array.from({ length: n }, (_, i) => finalizeEvent(template(i + 1000), sk) as NostrEvent);
}

interface RawSigner {
  sign(sk: Uint8Array, hash: Uint8Array): Uint8Array;
  get_public_key(sk: Uint8Array): Uint8Array;
}

/** libsecp256k1 (from nostr-wasm's files) for signing arbitrary ids, to forge test events. */
async function rawSigner(): Promise<RawSigner> {
  const dist = path.dirname(createRequire(import.meta.url).resolve("nostr-wasm"));
  const mod = (await import(pathToFileURL(path.join(dist, "secp256k1.js")).href)) as {
    W: (bytes: Uint8Array) => Promise<RawSigner>;
  };
  return mod.W(await readFile(path.join(dist, "..", "public", "out", "secp256k1.wasm")));
}

/**
 * Claims `ev` was written by someone else: pubkey replaced, id recomputed so the hash is
 * right, and the new id signed with the original author's key. Only the signature is wrong.
 */
export async function withForeignPubkey(ev: NostrEvent): Promise<NostrEvent> {
  const signer = await rawSigner();
  const author = generateSecretKey();
  const other = Buffer.from(signer.get_public_key(generateSecretKey())).toString("hex");
  const forged = { ...ev, pubkey: other };
  forged.id = eventId(forged);
  forged.sig = Buffer.from(signer.sign(author, Buffer.from(forged.id, "hex"))).toString("hex");
  return forged;
}

/** Same event, one signature nibble changed (id still correct). */
export function withTamperedSig(ev: NostrEvent): NostrEvent {
  const last = ev.sig.at(-1) === "0" ? "1" : "0";
  return { ...ev, sig: `${ev.sig.slice(0, -1)}${last}` };
}

/** Same event, content changed after signing (id no longer matches). */
export function withTamperedContent(ev: NostrEvent): NostrEvent {
  return { ...ev, content: `${ev.content}!` };
}

/** Replaces fields and recomputes the id so that only the replaced fields are wrong. */
export function rehashed(ev: NostrEvent, patch: Partial<NostrEvent>): NostrEvent {
  const next = { ...ev, ...patch };
  return { ...next, id: eventId(next) };
}
