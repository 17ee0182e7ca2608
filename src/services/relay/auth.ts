/**
 * NIP-42 on the relay's side: each connection is sent `["AUTH", challenge]` when auth is on;
 * a client's `["AUTH", event]` is checked (kind 22242, the challenge, the relay's host, a
 * created_at near now, id and signature) and answered with OK; what relay.yaml's
 * auth.required_for names then needs an authenticated, allowed key.
 */
import { randomBytes } from "node:crypto";
import { validateEvent } from "../../models/event.js";
import type { NostrEvent } from "../../models/event-types.js";
import { verifySignedEvent } from "../../utils/keys.js";
import type { RelayConfig } from "./config.js";

export const AUTH_KIND = 22242;

/** What may need authentication: REQ, COUNT, and NEG-OPEN (NIP-77). */
export type Guarded = "REQ" | "COUNT" | "NEG";

const tagOf = (ev: NostrEvent, name: string) => ev.tags.find((t) => t[0] === name)?.[1];

/** The host of a ws(s) URL, or null. */
function hostOf(url: string): string | null {
  try {
    return new URL(url.trim()).host.toLowerCase();
  } catch {
    return null;
  }
}

/** Why `event` does not authenticate (the OK message, without prefix), or null. */
export function authProblem(
  event: NostrEvent,
  expect: { challenge: string; host: string | null; now: number; window: number },
): string | null {
  if (event.kind !== AUTH_KIND) return `the AUTH event must be of kind ${AUTH_KIND}`;
  if (tagOf(event, "challenge") !== expect.challenge) return "wrong or missing challenge tag";
  const relay = tagOf(event, "relay");
  if (relay === undefined || expect.host === null || hostOf(relay) !== expect.host) {
    return "the relay tag does not name this relay";
  }
  if (Math.abs(event.created_at - expect.now) > expect.window) {
    return `created_at is more than ${expect.window} s from now`;
  }
  if (!verifySignedEvent(event)) return "bad id or signature";
  return null;
}

/** One connection's NIP-42 state. */
export class ConnectionAuth {
  readonly challenge = randomBytes(16).toString("hex");
  #pubkey: string | undefined;
  readonly #config: RelayConfig["auth"];
  /** The host the relay tag must name: relay_url's, else the Host header the client sent. */
  readonly #host: string | null;

  constructor(config: RelayConfig["auth"], hostHeader: string | undefined) {
    this.#config = config;
    const configured = config.relay_url === undefined ? null : hostOf(config.relay_url);
    this.#host = configured ?? (hostHeader === undefined ? null : hostHeader.toLowerCase());
  }

  get enabled(): boolean {
    return this.#config.enabled;
  }

  /** The authenticated key (hex), if any. */
  get pubkey(): string | undefined {
    return this.#pubkey;
  }

  /** The OK frame answering a client's AUTH (`now` in unix seconds). */
  answer(raw: unknown, now: number): [string, string, boolean, string] {
    const id = typeof (raw as { id?: unknown })?.id === "string" ? (raw as { id: string }).id : "";
    if (!this.enabled) return ["OK", id, false, "blocked: this relay does not use AUTH"];
    const checked = validateEvent(raw);
    if (!checked.ok) return ["OK", id, false, checked.reason];
    const expect = {
      challenge: this.challenge,
      host: this.#host,
      now,
      window: this.#config.window,
    };
    const problem = authProblem(checked.event, expect);
    if (problem !== null) return ["OK", id, false, `invalid: ${problem}`];
    this.#pubkey = checked.event.pubkey;
    return ["OK", id, true, ""];
  }

  /** The CLOSED reason when `what` needs authentication this connection lacks, or null. */
  refusal(what: Guarded): string | null {
    if (!this.enabled || !this.#config.required_for.includes(what)) return null;
    if (this.#pubkey === undefined) {
      return `auth-required: this relay answers ${what} only to authenticated clients (NIP-42)`;
    }
    const allowed = this.#config.allowed_pubkeys;
    if (allowed.length > 0 && !allowed.includes(this.#pubkey)) {
      return `restricted: this key may not ${what} here`;
    }
    return null;
  }
}
