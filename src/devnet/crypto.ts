import { createHash } from "node:crypto";
import type { Nostr } from "nostr-wasm";
import { serializeEventJson } from "../models/event.js";
import type { NostrEvent } from "../models/event-types.js";

let wasm: Promise<Nostr> | undefined;

/** Loads nostr-wasm (libsecp256k1) once, on first use. */
export function loadNostrWasm(): Promise<Nostr> {
  if (wasm === undefined) {
    wasm = import("nostr-wasm").then((mod) => mod.initNostrWasm());
  }
  return wasm;
}

/**
 * Event id as JS clients compute it (JSON.stringify escaping, like nostr-tools and nostr-wasm).
 * For events free of C0 control characters other than \b \t \n \f \r this equals NIP-01's id.
 */
export function computeEventId(ev: Omit<NostrEvent, "id" | "sig">): string {
  return createHash("sha256").update(serializeEventJson(ev), "utf8").digest("hex");
}

/** Why an event fails id or signature verification, or null when it is valid. */
export function verifyEventWith(nw: Nostr, ev: NostrEvent): string | null {
  try {
    nw.verifyEvent(ev);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Flips the last hex digit: keeps the shape, breaks the value. */
export function flipHex(hex: string): string {
  const last = hex.at(-1) ?? "0";
  return hex.slice(0, -1) + (last === "0" ? "1" : "0");
}
