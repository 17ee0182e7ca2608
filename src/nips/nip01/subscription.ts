/**
 * One REQ: screens incoming events (shape, id, filter match, optional batched signature
 * check), queues them for the consumer, and ends at EOSE, CLOSED, timeout, abort or
 * disconnect. Events received before an error are delivered before the error is thrown,
 * except on abort (which stops at once).
 */
import { hasValidId, validateEvent } from "../../models/event.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import { matchFilters } from "../../models/filter.js";
import { onAbort } from "../../utils/abort.js";
import { closedError, RelayClientError, RelayTimeoutError } from "./errors.js";
import { encodeClose, encodeReq, splitPrefix } from "./messages.js";
import type { RelayStats } from "./stats.js";

/** Checks signatures of a batch; `result[i]` false drops `events[i]` (counted as badSig). */
export type VerifyBatch = (events: NostrEvent[]) => Promise<boolean[]>;

export interface ReqOptions {
  signal?: AbortSignal;
  /** Max silence (no EVENT/EOSE for this REQ) before RelayTimeoutError "idle". */
  idleTimeoutMs?: number;
  /** Max time from REQ to EOSE before RelayTimeoutError "eose". */
  eoseTimeoutMs?: number;
  /** Stop (and CLOSE) after this many accepted events. */
  maxEvents?: number;
  verify?: VerifyBatch;
}

/** Receives the frames addressed to one subscription id. */
export interface SubscriptionSink {
  onEvent(raw: unknown): void;
  onEose(): void;
  onClosed(message: string): void;
  onCount?(count: number, approximate: boolean): void;
  onDisconnect(error: Error): void;
}

/** What a subscription needs from its connection. */
export interface SubscriptionHost {
  readonly stats: RelayStats;
  send(frame: string): boolean;
  register(subId: string, sink: SubscriptionSink): void;
  unregister(subId: string): void;
  nextSubId(): string;
  disconnectError(): Error;
  /** Resolves true when NIP-42 auth succeeded (false without a key or on refusal). */
  waitAuthenticated(signal: AbortSignal | undefined): Promise<boolean>;
}

export const VERIFY_BATCH_SIZE = 256;
export const VERIFY_FLUSH_MS = 5;

/** Shape, id and filter screening; counts rejects in `stats`. */
export function screenEvent(
  raw: unknown,
  filters: readonly Filter[],
  stats: RelayStats,
): NostrEvent | null {
  const checked = validateEvent(raw);
  if (!checked.ok) {
    stats.invalid++;
    return null;
  }
  if (!hasValidId(checked.event)) {
    stats.badId++;
    return null;
  }
  if (!matchFilters(filters, checked.event)) {
    stats.mismatched++;
    return null;
  }
  return checked.event;
}

export class Subscription implements SubscriptionSink {
  readonly subId: string;
  #host: SubscriptionHost;
  #filters: readonly Filter[];
  #opts: ReqOptions & { idleTimeoutMs: number; eoseTimeoutMs: number };
  #queue: NostrEvent[] = [];
  #unverified: NostrEvent[] = [];
  #chain: Promise<void> = Promise.resolve();
  #accepted = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  #authRetried = false;
  #timers: { eose?: NodeJS.Timeout; idle?: NodeJS.Timeout; flush?: NodeJS.Timeout } = {};
  #onAbort = () => this.#finish(this.#opts.signal?.reason ?? new Error("aborted"), true, true);
  #offAbort = () => {};

  constructor(
    host: SubscriptionHost,
    filters: readonly Filter[],
    opts: ReqOptions & { idleTimeoutMs: number; eoseTimeoutMs: number },
  ) {
    this.#host = host;
    this.#filters = filters;
    this.#opts = opts;
    this.subId = host.nextSubId();
  }

  /** Registers and sends the REQ. */
  start(): void {
    const { signal } = this.#opts;
    if (signal?.aborted) {
      this.#onAbort();
      return;
    }
    if (signal) this.#offAbort = onAbort(signal, this.#onAbort);
    this.#sendReq();
  }

  #sendReq(): void {
    this.#host.register(this.subId, this);
    if (!this.#host.send(encodeReq(this.subId, this.#filters))) {
      this.#finish(this.#host.disconnectError(), false);
      return;
    }
    clearTimeout(this.#timers.eose);
    this.#timers.eose = setTimeout(
      () => this.#finish(new RelayTimeoutError("eose", this.#opts.eoseTimeoutMs), true),
      this.#opts.eoseTimeoutMs,
    );
    this.#touch();
  }

  #touch(): void {
    clearTimeout(this.#timers.idle);
    this.#timers.idle = setTimeout(
      () => this.#finish(new RelayTimeoutError("idle", this.#opts.idleTimeoutMs), true),
      this.#opts.idleTimeoutMs,
    );
  }

  onEvent(raw: unknown): void {
    if (this.#ended) return;
    this.#touch();
    const event = screenEvent(raw, this.#filters, this.#host.stats);
    if (event === null) return;
    if (this.#opts.verify === undefined) {
      this.#accept(event);
      return;
    }
    this.#unverified.push(event);
    if (this.#unverified.length >= VERIFY_BATCH_SIZE) this.#flush();
    else this.#timers.flush ??= setTimeout(() => this.#flush(), VERIFY_FLUSH_MS);
  }

  #flush(): void {
    clearTimeout(this.#timers.flush);
    delete this.#timers.flush;
    const batch = this.#unverified;
    const verify = this.#opts.verify;
    if (batch.length === 0 || verify === undefined) return;
    this.#unverified = [];
    this.#then(async () => {
      const results = await verify(batch);
      batch.forEach((event, i) => {
        if (results[i] === true) this.#accept(event);
        else this.#host.stats.badSig++;
      });
    });
  }

  /** Runs `step` after every earlier verification, so order is kept. */
  #then(step: () => void | Promise<void>): void {
    this.#chain = this.#chain
      .then(() => (this.#ended ? undefined : step()))
      .catch((error: unknown) =>
        this.#finish(new RelayClientError("signature verification failed", { cause: error }), true),
      );
  }

  #accept(event: NostrEvent): void {
    if (this.#ended) return;
    this.#host.stats.events++;
    this.#queue.push(event);
    this.#accepted++;
    this.#wake?.();
    const max = this.#opts.maxEvents;
    if (max !== undefined && this.#accepted >= max) this.#finish(undefined, true);
  }

  onEose(): void {
    if (this.#ended) return;
    this.#flush();
    clearTimeout(this.#timers.eose);
    clearTimeout(this.#timers.idle);
    this.#then(() => this.#finish(undefined, true));
  }

  onClosed(message: string): void {
    if (this.#ended) return;
    this.#host.unregister(this.subId);
    const retry = splitPrefix(message).prefix === "auth-required" && !this.#authRetried;
    if (!retry) {
      this.#closedBy(message);
      return;
    }
    this.#authRetried = true;
    clearTimeout(this.#timers.idle);
    clearTimeout(this.#timers.eose);
    this.#host.waitAuthenticated(this.#opts.signal).then((authed) => {
      if (this.#ended) return;
      if (authed) this.#sendReq();
      else this.#closedBy(message);
    });
  }

  #closedBy(message: string): void {
    this.#flush();
    this.#then(() => this.#finish(closedError(this.subId, message), false));
  }

  onDisconnect(error: Error): void {
    if (this.#ended) return;
    this.#flush();
    this.#then(() => this.#finish(error, false));
  }

  /** Ends the subscription; `sendClose` tells the relay when it still thinks it is open. */
  #finish(error: Error | undefined, sendClose: boolean, dropQueued = false): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (dropQueued) this.#queue = [];
    for (const timer of Object.values(this.#timers)) clearTimeout(timer);
    this.#offAbort();
    this.#host.unregister(this.subId);
    if (sendClose) this.#host.send(encodeClose(this.subId));
    this.#wake?.();
  }

  /** Next accepted event; null at the end; throws the terminal error after the queue drains. */
  async next(): Promise<NostrEvent | null> {
    for (;;) {
      const event = this.#queue.shift();
      if (event !== undefined) return event;
      if (this.#ended) {
        if (this.#error !== undefined) throw this.#error;
        return null;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  /** Stops early (consumer broke out): CLOSE is sent if the relay still has it open. */
  dispose(): void {
    this.#finish(undefined, true);
  }
}
