/**
 * One client's WebSocket: its messages in (client-message.ts), NIP-01 answers out. REQ sends
 * the stored events (stored-events.ts: each filter's first `limit`, merged in NIP-01 order,
 * each event once), EOSE, then the live
 * ones; COUNT answers exactly (NIP-45); NEG-* goes to negentropy.ts; EVENT is refused.
 * A subscription is registered for live events before its stored ones are read, and what
 * arrives meanwhile is held (bounded) and sent after EOSE, so nothing falls between the two.
 */
import type { Duplex } from "node:stream";
import type WebSocket from "ws";
import type { NostrEvent } from "../../models/event-types.js";
import type { Filter } from "../../models/filter.js";
import { ConnectionAuth, type Guarded } from "./auth.js";
import { checkFilters, validSubId } from "./client-filters.js";
import { isKnownVerb, parseMessage, sizeOf } from "./client-message.js";
import { countAnswer } from "./count-answer.js";
import type { LiveSubscriber } from "./live-hub.js";
import type { RefusalReason } from "./metrics.js";
import { NegentropySessions } from "./negentropy.js";
import type { RelayRuntime } from "./runtime.js";
import { readStoredEvents } from "./stored-events.js";

/** Live events held per subscription while its stored ones are read. */
const MAX_HELD = 10_000;

interface Subscription extends LiveSubscriber {
  closed: boolean;
  /** The key it was counted under in the per-key quota. */
  key: string | undefined;
}

/** Where a connection comes from: its socket (corked while a REQ's events are sent), address, Host. */
export interface ClientOrigin {
  socket?: Duplex;
  ip: string;
  host?: string;
}

export const READ_ONLY = "blocked: read-only archive";
const LILBROTR_REQ =
  "blocked: this archive (lilbrotr profile) keeps no tags, content or signatures, so it serves no events; COUNT and NEG-OPEN work";

export class RelayConnection {
  readonly #ws: WebSocket;
  readonly #origin: ClientOrigin;
  readonly #rt: RelayRuntime;
  readonly #auth: ConnectionAuth;
  readonly #subs = new Map<string, Subscription>();
  readonly #neg: NegentropySessions;

  constructor(ws: WebSocket, runtime: RelayRuntime, origin: ClientOrigin) {
    this.#ws = ws;
    this.#origin = origin;
    this.#rt = runtime;
    this.#auth = new ConnectionAuth(runtime.config.auth, origin.host);
    this.#neg = new NegentropySessions(runtime, (frame) => this.send(frame));
    ws.on("message", (data, isBinary) => {
      const over = this.#rt.quotas.receive(origin.ip, sizeOf(data));
      if (over !== null) {
        this.#refused(over.label);
        this.send(["NOTICE", over.reason]);
      } else if (isBinary) this.#notice("invalid: binary messages are not Nostr");
      else this.#handle(String(data));
    });
    ws.on("close", () => this.#dispose());
    if (this.#auth.enabled) this.send(["AUTH", this.#auth.challenge]);
  }

  send(frame: unknown[]): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(JSON.stringify(frame));
  }

  #refused(label: RefusalReason): void {
    this.#rt.metrics.refusals.inc({ reason: label });
  }

  #notice(text: string): void {
    this.#refused("invalid");
    this.send(["NOTICE", text]);
  }

  #handle(text: string): void {
    const msg = parseMessage(text);
    if (typeof msg === "string") {
      this.#notice(msg);
      return;
    }
    const verb = msg[0];
    this.#rt.metrics.requests.inc({ verb: isKnownVerb(verb) ? verb : "other" });
    if (verb === "REQ") void this.#req(msg);
    else if (verb === "COUNT") void this.#count(msg);
    else if (verb === "CLOSE") this.#close(msg[1]);
    else if (verb === "EVENT") this.#refuseEvent(msg[1]);
    else if (verb === "AUTH") this.#authenticate(msg[1]);
    else if (verb === "NEG-OPEN" && this.#guard("NEG", msg[1], "NEG-ERR")) return;
    else if (verb.startsWith("NEG-") && isKnownVerb(verb)) this.#neg.handle(verb, msg);
    else this.#notice(`invalid: unknown verb ${JSON.stringify(verb).slice(0, 40)}`);
  }

  #authenticate(event: unknown): void {
    const ok = this.#auth.answer(event, Math.floor(Date.now() / 1000));
    this.#rt.metrics.auths.inc({ outcome: ok[2] ? "ok" : "failed" });
    if (!ok[2]) this.#refused("auth_failed");
    this.send(ok);
  }

  /** True (after answering with `verb`) when `what` needs an authentication this connection lacks. */
  #guard(what: Guarded, subId: unknown, verb = "CLOSED"): boolean {
    const reason = this.#auth.refusal(what);
    if (reason === null) return false;
    this.#refused(reason.startsWith("auth-required") ? "auth_required" : "restricted");
    this.send([verb, typeof subId === "string" ? subId : "", reason]);
    return true;
  }

  #refuseEvent(event: unknown): void {
    this.#refused("read_only");
    const id = (event as { id?: unknown } | null | undefined)?.id;
    this.send(["OK", typeof id === "string" ? id : "", false, READ_ONLY]);
  }

  #closed(subId: string, reason: string, label: RefusalReason): void {
    this.#refused(label);
    this.send(["CLOSED", subId, reason]);
  }

  /** Checks a REQ or COUNT; returns its id and filters, or answers and returns null. */
  #parse(msg: unknown[]): { subId: string; filters: Filter[] } | null {
    const subId = msg[1];
    if (!validSubId(subId)) {
      this.#notice(`invalid: ${String(msg[0])} needs a subscription id of 1-64 characters`);
      return null;
    }
    const checked = checkFilters(msg.slice(2), this.#rt.config.limits);
    if (!checked.ok) {
      this.#closed(subId, checked.reason, checked.label);
      return null;
    }
    return { subId, filters: checked.filters };
  }

  async #req(msg: unknown[]): Promise<void> {
    const parsed = this.#parse(msg);
    if (parsed === null || this.#guard("REQ", parsed.subId)) return;
    const { subId, filters } = parsed;
    if (this.#rt.profile === "lilbrotr") {
      this.#closed(subId, LILBROTR_REQ, "lilbrotr");
      return;
    }
    this.#drop(subId);
    if (this.#subs.size >= this.#rt.config.limits.max_subscriptions) {
      const max = this.#rt.config.limits.max_subscriptions;
      this.#closed(subId, `blocked: at most ${max} subscriptions at once`, "subscriptions");
      return;
    }
    const key = this.#auth.pubkey;
    const quota = this.#rt.quotas.openSubscription(this.#origin.ip, key);
    if (quota !== null) {
      this.#closed(subId, quota.reason, quota.label);
      return;
    }
    const held: NostrEvent[] = [];
    let live = false;
    const sent = new Set<string>();
    const sub: Subscription = {
      filters,
      closed: false,
      key,
      deliver: (event) => {
        if (!live) {
          if (held.length < MAX_HELD) held.push(event);
          return;
        }
        this.#deliverLive(subId, sub, event);
      },
    };
    this.#open(subId, sub);
    const stored = await this.#stored(subId, filters);
    if (stored === null || sub.closed) return;
    this.#origin.socket?.cork();
    for (const event of stored) {
      sent.add(event.id);
      this.send(["EVENT", subId, event]);
    }
    this.send(["EOSE", subId]);
    this.#origin.socket?.uncork();
    this.#rt.metrics.eventsSent.inc({ phase: "stored" }, stored.length);
    live = true;
    for (const event of held) if (!sent.has(event.id)) this.#deliverLive(subId, sub, event);
  }

  /** The stored events of a REQ's filters in NIP-01 order, or null when it was closed for an error. */
  async #stored(subId: string, filters: readonly Filter[]): Promise<NostrEvent[] | null> {
    try {
      const events = await readStoredEvents(this.#rt, filters);
      this.#rt.outage.succeeded();
      return events;
    } catch (error) {
      this.#drop(subId);
      this.#failed(subId, error);
      return null;
    }
  }

  #failed(subId: string, error: unknown): void {
    const { reason, label } = this.#rt.explain(error);
    this.#closed(subId, reason, label);
  }

  #deliverLive(subId: string, sub: Subscription, event: NostrEvent): void {
    if (sub.closed) return;
    if (this.#ws.bufferedAmount > this.#rt.config.limits.max_buffered_bytes) {
      this.#drop(subId);
      this.#closed(
        subId,
        "error: too slow: live events were dropped; REQ again with since",
        "slow_reader",
      );
      return;
    }
    this.send(["EVENT", subId, event]);
    this.#rt.metrics.eventsSent.inc({ phase: "live" });
  }

  async #count(msg: unknown[]): Promise<void> {
    const parsed = this.#parse(msg);
    if (parsed === null || this.#guard("COUNT", parsed.subId)) return;
    try {
      const answer = await countAnswer(this.#rt.db, parsed.filters);
      this.#rt.outage.succeeded();
      this.send(["COUNT", parsed.subId, answer]);
    } catch (error) {
      this.#failed(parsed.subId, error);
    }
  }

  #open(subId: string, sub: Subscription): void {
    this.#subs.set(subId, sub);
    this.#rt.live.add(sub);
    this.#rt.subscriptionsChanged(1);
  }

  #drop(subId: string): void {
    const sub = this.#subs.get(subId);
    if (sub === undefined) return;
    sub.closed = true;
    this.#subs.delete(subId);
    this.#rt.live.remove(sub);
    this.#rt.quotas.closeSubscription(this.#origin.ip, sub.key);
    this.#rt.subscriptionsChanged(-1);
  }

  #close(subId: unknown): void {
    if (typeof subId === "string") this.#drop(subId);
  }

  #dispose(): void {
    for (const subId of [...this.#subs.keys()]) this.#drop(subId);
    this.#neg.dispose();
    this.#rt.quotas.forget(this.#origin.ip);
  }
}
