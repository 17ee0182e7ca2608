import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import type { Nostr } from "nostr-wasm";
import type { RawData, WebSocket } from "ws";
import { validateEvent } from "../models/event.js";
import type { Filter, NostrEvent } from "../models/event-types.js";
import { authProblem } from "./auth.js";
import { verifyEventWith } from "./crypto.js";
import type { EventStore } from "./event-store.js";
import type { FakeRelayOptions } from "./fake-relay-types.js";
import { NegentropyHandler } from "./negentropy.js";
import { Outbox } from "./outbox.js";
import { handleCount, handleReq, pushLive, type SubscriptionHost } from "./subscriptions.js";

/** What a connection needs from its relay. */
export interface RelayContext {
  readonly url: string;
  readonly store: EventStore;
  readonly wasm: Nostr;
  options(): FakeRelayOptions;
  record(message: unknown): void;
  /** Stores nothing: pushes an accepted event to every connection's open subscriptions. */
  broadcast(ev: NostrEvent): void;
}

/** The id of a possibly malformed event, for the OK answer ("" when there is none). */
function rawId(value: unknown): string {
  const id = typeof value === "object" && value !== null ? (value as { id?: unknown }).id : "";
  return typeof id === "string" ? id : "";
}

function isEphemeral(kind: number): boolean {
  return kind >= 20000 && kind < 30000;
}

/** NIP-13 difficulty: leading zero bits of the id (hex), counted nibble by nibble. */
export function leadingZeroBits(hexId: string): number {
  let bits = 0;
  for (const char of hexId) {
    const nibble = Number.parseInt(char, 16);
    if (nibble !== 0) return bits + Math.clz32(nibble) - 28;
    bits += 4;
  }
  return bits;
}

/** One client socket speaking NIP-01 (+ NIP-42 AUTH, NIP-45 COUNT, NIP-77 behind a knob). */
export class RelayConnection implements SubscriptionHost {
  readonly outbox: Outbox;
  readonly subs = new Map<string, Filter[]>();
  readonly store: EventStore;
  readonly authedPubkeys = new Set<string>();
  readonly challenge = randomBytes(16).toString("hex");
  readonly #ctx: RelayContext;
  readonly #ws: WebSocket;
  readonly #negentropy = new NegentropyHandler(this);

  #reqs = 0;

  /** `socket` is the one under `ws`, written to directly to cut a frame (dropMidFrameAfter). */
  constructor(ws: WebSocket, ctx: RelayContext, socket?: Socket) {
    this.#ctx = ctx;
    this.#ws = ws;
    this.store = ctx.store;
    this.outbox = new Outbox(ws, () => ctx.options(), socket);
    const opts = ctx.options();
    if ((opts.requireAuth || opts.requireAuthForWrites) && !opts.lazyAuthChallenge) {
      this.#challenge();
    }
  }

  #challenged = false;

  /** Sends the NIP-42 challenge once per connection. */
  #challenge(): void {
    if (this.#challenged) return;
    this.#challenged = true;
    this.outbox.send(["AUTH", this.challenge]);
  }

  options(): FakeRelayOptions {
    return this.#ctx.options();
  }

  countReq(): number {
    this.#reqs++;
    return this.#reqs;
  }

  get authed(): boolean {
    return this.authedPubkeys.size > 0;
  }

  readRefusal(): string | null {
    if (!this.options().requireAuth || this.authedPubkeys.size > 0) return null;
    this.#challenge();
    return "auth-required: authenticate with NIP-42 first";
  }

  #writeAuthRefusal(): string | null {
    const opts = this.options();
    if (!opts.requireAuthForWrites || this.authedPubkeys.size > 0) return this.readRefusal();
    this.#challenge();
    return "auth-required: authenticate with NIP-42 to publish";
  }

  handleFrame(data: RawData): void {
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      this.outbox.send(["NOTICE", "invalid: could not parse message as JSON"]);
      return;
    }
    this.#ctx.record(msg);
    if (!Array.isArray(msg) || typeof msg[0] !== "string") {
      this.outbox.send(["NOTICE", "invalid: message must be a JSON array starting with a verb"]);
      return;
    }
    if (this.options().disconnectOn === msg[0]) {
      this.drop();
      return;
    }
    this.#dispatch(msg[0], msg);
  }

  #dispatch(verb: string, msg: unknown[]): void {
    if (verb === "REQ") handleReq(this, msg);
    else if (verb === "COUNT") handleCount(this, msg);
    else if (verb === "CLOSE") {
      if (typeof msg[1] === "string") this.subs.delete(msg[1]);
    } else if (verb === "EVENT") this.#onEvent(msg[1]);
    else if (verb === "AUTH") this.#onAuth(msg[1]);
    else if (verb.startsWith("NEG-") && this.options().negentropy)
      this.#negentropy.handle(verb, msg);
    else this.outbox.send(["NOTICE", `unsupported: unknown message type ${verb}`]);
  }

  #onEvent(value: unknown): void {
    const checked = validateEvent(value);
    if (!checked.ok) {
      this.outbox.send(["OK", rawId(value), false, checked.reason]);
      return;
    }
    const answer = this.#acceptEvent(checked.event);
    if (answer === null) return; // dropWrites "no-ok": silence
    const [ok, message] = answer;
    this.outbox.send(["OK", checked.event.id, ok, message]);
    if (ok && message === "" && this.options().dropWrites !== "unstored") {
      this.#ctx.broadcast(checked.event);
    }
  }

  /** The refusal for an event before its signature is checked, or null. */
  #policyRefusal(ev: NostrEvent): string | null {
    const opts = this.options();
    const auth = this.#writeAuthRefusal();
    if (auth !== null) return auth;
    if (opts.acceptWrites === false) return "blocked: this relay does not accept events";
    if (opts.writeRefusal !== undefined) {
      return `${opts.writeRefusal}: writes refused by the fake relay`;
    }
    if (opts.acceptKinds !== undefined && !opts.acceptKinds.includes(ev.kind)) {
      return `blocked: kind ${ev.kind} is not accepted here`;
    }
    return null;
  }

  /** Decides the OK answer for a well-formed EVENT (null: none) and stores it when accepted. */
  #acceptEvent(ev: NostrEvent): [boolean, string] | null {
    const refusal = this.#policyRefusal(ev);
    if (refusal !== null) return [false, refusal];
    const bad = verifyEventWith(this.#ctx.wasm, ev);
    if (bad !== null) return [false, `invalid: ${bad}`];
    const pow = this.options().minPowDifficulty ?? 0;
    const difficulty = leadingZeroBits(ev.id);
    if (difficulty < pow) return [false, `pow: difficulty ${difficulty} is less than ${pow}`];
    if (this.store.has(ev.id)) return [true, "duplicate: already have this event"];
    const drop = this.options().dropWrites;
    if (drop === "no-ok") return null;
    if (drop !== "unstored" && !isEphemeral(ev.kind)) this.store.add(ev);
    return [true, ""];
  }

  #onAuth(value: unknown): void {
    const problem = authProblem(value, {
      challenge: this.challenge,
      relayUrl: this.#ctx.url,
      wasm: this.#ctx.wasm,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    const id = rawId(value);
    if (problem !== null) {
      this.outbox.send(["OK", id, false, `invalid: ${problem}`]);
      return;
    }
    this.authedPubkeys.add(String((value as { pubkey: unknown }).pubkey));
    this.outbox.send(["OK", id, true, ""]);
  }

  pushLive(ev: NostrEvent): void {
    pushLive(this, ev);
  }

  /** Drops the connection without a closing handshake (the disconnectOn knob). */
  drop(): void {
    this.dispose();
    this.#ws.terminate();
  }

  dispose(): void {
    this.outbox.dispose();
    this.subs.clear();
    this.#negentropy.dispose();
  }
}
