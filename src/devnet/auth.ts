import type { Nostr } from "nostr-wasm";
import { validateEvent } from "../models/event.js";
import type { NostrEvent } from "../models/event-types.js";
import { verifyEventWith } from "./crypto.js";

/** How far created_at of a kind-22242 event may be from now (NIP-42 suggests ~10 minutes). */
export const AUTH_WINDOW_SECONDS = 600;

function sameRelay(tagUrl: string, relayUrl: string): boolean {
  try {
    const a = new URL(tagUrl.trim());
    const b = new URL(relayUrl);
    return a.host === b.host && a.protocol === b.protocol;
  } catch {
    return false;
  }
}

function tagValue(ev: NostrEvent, name: string): string | undefined {
  return ev.tags.find((t) => t[0] === name)?.[1];
}

export interface AuthContext {
  challenge: string;
  relayUrl: string;
  wasm: Nostr;
  nowSeconds: number;
}

/** NIP-42 checks; returns the reason (without prefix) when the AUTH event is not acceptable. */
export function authProblem(value: unknown, ctx: AuthContext): string | null {
  const checked = validateEvent(value);
  if (!checked.ok) return checked.reason.replace(/^invalid: /, "");
  return eventProblem(checked.event, ctx);
}

function eventProblem(value: NostrEvent, ctx: AuthContext): string | null {
  if (value.kind !== 22242) return "auth event must be kind 22242";
  if (tagValue(value, "challenge") !== ctx.challenge) return "wrong or missing challenge tag";
  const relay = tagValue(value, "relay");
  if (relay === undefined || !sameRelay(relay, ctx.relayUrl)) return "wrong or missing relay tag";
  if (Math.abs(value.created_at - ctx.nowSeconds) > AUTH_WINDOW_SECONDS) {
    return "created_at is too far from now";
  }
  const bad = verifyEventWith(ctx.wasm, value);
  return bad === null ? null : `auth event ${bad}`;
}
