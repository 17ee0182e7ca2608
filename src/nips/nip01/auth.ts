/**
 * NIP-42 client side: answers `["AUTH", challenge]` with a signed kind-22242 event when a
 * key or signer is configured, tracks the relay's OK, and lets requests wait for the
 * outcome. Without a key, challenges are only recorded.
 */
import type { NostrEvent } from "../../models/event-types.js";
import { onAbort } from "../../utils/abort.js";
import { type EventTemplate, signEvent } from "../../utils/keys.js";
import { encodeAuth } from "./messages.js";

export const AUTH_KIND = 22242;

/** Signs an event template (e.g. a remote signer). */
export type Signer = (template: EventTemplate) => NostrEvent | Promise<NostrEvent>;

export type AuthConfig = { secretKey: Uint8Array } | { signer: Signer };

export type AuthStatus = "none" | "challenged" | "pending" | "ok" | "failed";

/** The kind-22242 template answering `challenge` for `relayUrl`. */
export function authTemplate(relayUrl: string, challenge: string, now = Date.now()): EventTemplate {
  return {
    kind: AUTH_KIND,
    created_at: Math.floor(now / 1000),
    tags: [
      ["relay", relayUrl],
      ["challenge", challenge],
    ],
    content: "",
  };
}

function signerOf(config: AuthConfig): Signer {
  if ("signer" in config) return config.signer;
  const { secretKey } = config;
  return (template) => signEvent(template, secretKey);
}

/** Per-connection NIP-42 state. */
export class AuthSession {
  /** The latest challenge the relay sent, if any. */
  challenge: string | undefined;
  status: AuthStatus = "none";
  /** The relay's message on the last AUTH OK (e.g. "restricted: …" on refusal). */
  message = "";
  /** Pubkey that authenticated, once status is "ok". */
  pubkey: string | undefined;
  readonly #signer: Signer | undefined;
  readonly #relayUrl: string;
  readonly #send: (frame: string) => boolean;
  #pending: { id: string; pubkey: string } | undefined;
  #waiters = new Set<() => void>();

  constructor(relayUrl: string, config: AuthConfig | undefined, send: (frame: string) => boolean) {
    this.#relayUrl = relayUrl;
    this.#signer = config === undefined ? undefined : signerOf(config);
    this.#send = send;
  }

  get configured(): boolean {
    return this.#signer !== undefined;
  }

  #setStatus(status: AuthStatus): void {
    this.status = status;
    for (const wake of this.#waiters) wake();
  }

  /** Handles `["AUTH", challenge]`: signs and answers when configured. */
  async onChallenge(challenge: string): Promise<void> {
    this.challenge = challenge;
    if (this.#signer === undefined) return this.#setStatus("challenged");
    this.#setStatus("pending");
    try {
      const event = await this.#signer(authTemplate(this.#relayUrl, challenge));
      if (this.challenge !== challenge) return; // superseded by a newer challenge
      this.#pending = { id: event.id, pubkey: event.pubkey };
      if (!this.#send(encodeAuth(event))) this.#fail("connection closed before AUTH was sent");
    } catch (error) {
      this.#fail(`signer failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #fail(message: string): void {
    this.message = message;
    this.#setStatus("failed");
  }

  /** Handles an OK; returns true when it answered our AUTH event (so it is consumed). */
  onOk(eventId: string, accepted: boolean, message: string): boolean {
    const pending = this.#pending;
    if (pending === undefined || eventId !== pending.id) return false;
    this.#pending = undefined;
    this.message = message;
    if (accepted) this.pubkey = pending.pubkey;
    this.#setStatus(accepted ? "ok" : "failed");
    return true;
  }

  /**
   * Resolves true once authenticated; false when no signer is configured, the relay
   * refused, the signal aborted or `timeoutMs` passed (waiting for a challenge included).
   */
  waitAuthenticated(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.status === "ok") return Promise.resolve(true);
    if (this.#signer === undefined || this.status === "failed" || signal?.aborted) {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      let off = () => {};
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        off();
        resolve(value);
      };
      const wake = () => {
        if (this.status === "ok") done(true);
        else if (this.status === "failed") done(false);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#waiters.add(wake);
      if (signal) off = onAbort(signal, () => done(false));
    });
  }

  /** Wakes every waiter with false (connection gone). */
  dispose(): void {
    this.#pending = undefined;
    if (this.status !== "ok") this.#setStatus("failed");
    this.#waiters.clear();
  }
}
