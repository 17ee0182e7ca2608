/**
 * One REQ: screens incoming events (shape, id, filter match, optional batched signature
 * check), queues them for the consumer, and ends at EOSE, CLOSED, timeout, abort or
 * disconnect. Events received before an error are delivered before the error is thrown,
 * except on abort (which stops at once). A queue at its high-water mark holds the
 * connection's read gate (see read-gate.ts) until the consumer has drained half of it.
 */
import type { Filter, NostrEvent } from "../../models/event-types.js";
import { onAbort } from "../../utils/abort.js";
import { closedError, RelayClientError, RelayTimeoutError } from "./errors.js";
import { encodeClose, encodeReq, splitPrefix } from "./messages.js";
import type { ReadGate } from "./read-gate.js";
import { ReqTimers } from "./req-timers.js";
import { countScreened, type ScreenBatch, screenEvent } from "./screen-frames.js";
import type { RelayStats } from "./stats.js";

/** Checks signatures of a batch; `result[i]` false drops `events[i]` (counted as badSig). */
export type VerifyBatch = (events: NostrEvent[]) => Promise<boolean[]>;

export interface ReqOptions {
  signal?: AbortSignal;
  /**
   * Max silence (no EVENT/EOSE for this REQ) before RelayTimeoutError "idle". Time with
   * reading paused (see `maxQueuedEvents`) does not count: the deadline restarts on resume.
   */
  idleTimeoutMs?: number;
  /** Max time from REQ to EOSE before RelayTimeoutError "eose", paused time left out. */
  eoseTimeoutMs?: number;
  /** Stop (and CLOSE) after this many accepted events. */
  maxEvents?: number;
  /**
   * High-water mark of this REQ's queue: events accepted and not yet taken by the consumer,
   * plus events waiting for `verify`. At the mark the client stops reading from the socket,
   * so the relay meets TCP backpressure; it reads on once the consumer has drained the queue
   * to half the mark. Nothing is dropped or reordered. The queue can pass the mark by what
   * `ws` had already read when the pause took effect (the rest of one socket read, at most
   * 64 KiB of frames, more after permessage-deflate). While paused, nothing else on the
   * connection is read either. Default: the client's `maxQueuedEvents`.
   */
  maxQueuedEvents?: number;
  verify?: VerifyBatch;
  /**
   * Screening off this thread (screen-frames.ts): this REQ's EVENT frames are handed over
   * unparsed, a batch at a time, and counted as if screened here. Frames waiting for it
   * count towards `maxQueuedEvents`, so a busy screener pauses reading from the socket.
   */
  screen?: ScreenBatch;
  /**
   * Told of each event of this REQ dropped as malformed, with a wrong id or a bad signature
   * (not for a filter mismatch): it still took a place in the relay's answer, at its
   * `created_at` when it has one, so a page walk must count it.
   */
  onRefused?: (createdAt: number | undefined) => void;
}

/** ReqOptions with the client's defaults filled in. */
export type SubscriptionOptions = ReqOptions & {
  idleTimeoutMs: number;
  eoseTimeoutMs: number;
  maxQueuedEvents: number;
};

/** Receives the frames addressed to one subscription id. */
export interface SubscriptionSink {
  onEvent(raw: unknown): void;
  /** An EVENT frame's bytes; false: the sink does not take them (parse, call onEvent). */
  onEventFrame?(frame: Uint8Array): boolean;
  onEose(): void;
  onClosed(message: string): void;
  onCount?(count: number, approximate: boolean, hll?: string): void;
  /** NIP-77 frames, for a channel (RelayClient#openChannel); a REQ has none. */
  onNegMsg?(message: string): void;
  onNegErr?(message: string, maxRecords: number | undefined): void;
  /** Every NOTICE of the connection while the sink is registered (channels and COUNT). */
  onNotice?(message: string): void;
  onDisconnect(error: Error): void;
  /** Reading from the socket was paused (true) or resumed (false). */
  onReadPaused?(paused: boolean): void;
}

/** What a subscription needs from its connection. */
export interface SubscriptionHost {
  readonly stats: RelayStats;
  readonly gate: Pick<ReadGate, "hold" | "release" | "paused">;
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

export class Subscription implements SubscriptionSink {
  readonly subId: string;
  #host: SubscriptionHost;
  #filters: readonly Filter[];
  #opts: SubscriptionOptions;
  #queue: NostrEvent[] = [];
  #unverified: NostrEvent[] = [];
  /** EVENT frames for `screen`, and how many are being screened. */
  #unscreened: Uint8Array[] = [];
  #screening = 0;
  /** Events in batches handed to `verify` and not settled yet. */
  #verifying = 0;
  #chain: Promise<void> = Promise.resolve();
  #accepted = 0;
  /** This REQ holds the connection's read gate (its queue reached the mark). */
  #holding = false;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  #authRetried = false;
  #timers: ReqTimers;
  #flushTimer: NodeJS.Timeout | undefined;
  #onAbort = () => this.#finish(this.#opts.signal?.reason ?? new Error("aborted"), true, true);
  #offAbort = () => {};

  constructor(host: SubscriptionHost, filters: readonly Filter[], opts: SubscriptionOptions) {
    if (!(opts.maxQueuedEvents >= 1)) {
      throw new RangeError(`maxQueuedEvents must be at least 1, got ${opts.maxQueuedEvents}`);
    }
    this.#host = host;
    this.#filters = filters;
    this.#opts = opts;
    this.#timers = new ReqTimers(opts.idleTimeoutMs, opts.eoseTimeoutMs, (phase, ms) =>
      this.#finish(new RelayTimeoutError(phase, ms), true),
    );
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
    this.#timers.start(this.#host.gate.paused);
  }

  onReadPaused(paused: boolean): void {
    this.#timers.setPaused(paused);
  }

  onEventFrame(frame: Uint8Array): boolean {
    if (this.#opts.screen === undefined) return false;
    if (this.#ended) return true;
    this.#timers.touch();
    this.#unscreened.push(frame);
    this.#pressure();
    this.#batchFilled(this.#unscreened.length);
    return true;
  }

  onEvent(raw: unknown): void {
    if (this.#ended) return;
    // Screening elsewhere: an event the connection parsed (a frame written with spaces) joins
    // the frames in order, as one.
    if (this.#opts.screen !== undefined) {
      this.onEventFrame(Buffer.from(JSON.stringify(["EVENT", this.subId, raw])));
      return;
    }
    this.#timers.touch();
    const event = screenEvent(raw, this.#filters, this.#host.stats, this.#opts.onRefused);
    if (event === null) return;
    if (this.#opts.verify === undefined) {
      this.#accept(event);
      this.#pressure();
      return;
    }
    this.#unverified.push(event);
    this.#pressure();
    this.#batchFilled(this.#unverified.length);
  }

  #batchFilled(length: number): void {
    if (length >= VERIFY_BATCH_SIZE) this.#flush();
    else this.#flushTimer ??= setTimeout(() => this.#flush(), VERIFY_FLUSH_MS);
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#unscreened.length > 0) this.#flushFrames();
    const batch = this.#unverified;
    if (batch.length === 0 || this.#opts.verify === undefined) return;
    this.#unverified = [];
    this.#verifying += batch.length;
    this.#then(() => this.#verified(batch));
  }

  /** Screening starts at once (batches overlap); its answers are taken in order. */
  #flushFrames(): void {
    const screen = this.#opts.screen as ScreenBatch;
    // Only the count is kept: the frames (views of socket reads) are let go once handed over.
    const count = this.#unscreened.length;
    const screened = screen(this.#unscreened, this.#filters);
    this.#unscreened = [];
    this.#screening += count;
    screened.catch(() => {}); // its error is the step's below
    this.#then(async () => {
      const reply = await screened;
      this.#screening -= count;
      const { stats } = this.#host;
      const events = countScreened(reply, stats, this.#opts.onRefused);
      if (this.#opts.verify === undefined) for (const event of events) this.#accept(event);
      else if (events.length > 0) {
        this.#verifying += events.length;
        await this.#verified(events);
      }
      this.#pressure();
    });
  }

  /** Checks the signatures of a batch; accepts the good ones, counts the others. */
  async #verified(batch: NostrEvent[]): Promise<void> {
    const results = await (this.#opts.verify as VerifyBatch)(batch);
    this.#verifying -= batch.length;
    batch.forEach((event, i) => {
      if (results[i] === true) this.#accept(event);
      else {
        this.#host.stats.badSig++;
        this.#opts.onRefused?.(event.created_at);
      }
    });
    this.#pressure();
  }

  /** Runs `step` after every earlier verification, so order is kept. */
  #then(step: () => void | Promise<void>): void {
    this.#chain = this.#chain
      .then(() => (this.#ended ? undefined : step()))
      .catch((error: unknown) =>
        this.#finish(
          new RelayClientError("event screening or signature verification failed", {
            cause: error,
          }),
          true,
        ),
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

  /** Holds the read gate at the high-water mark, releases it at half the mark. */
  #pressure(): void {
    const queued =
      this.#queue.length +
      this.#unscreened.length +
      this.#screening +
      this.#unverified.length +
      this.#verifying;
    const stats = this.#host.stats;
    if (queued > stats.peakQueued) stats.peakQueued = queued;
    if (this.#ended) return;
    const mark = this.#opts.maxQueuedEvents;
    if (!this.#holding && queued >= mark) {
      this.#holding = true;
      this.#host.gate.hold(this);
    } else if (this.#holding && queued <= Math.floor(mark / 2)) {
      this.#release();
    }
  }

  #release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.#host.gate.release(this);
  }

  onEose(): void {
    if (this.#ended) return;
    this.#flush();
    this.#timers.stop();
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
    this.#timers.stop();
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

  /**
   * Ends the subscription; `sendClose` tells the relay when it still thinks it is open. The
   * read gate is released at once: nothing more comes for this REQ, whatever is still queued.
   */
  #finish(error: Error | undefined, sendClose: boolean, dropQueued = false): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (dropQueued) this.#queue = [];
    this.#timers.stop();
    clearTimeout(this.#flushTimer);
    this.#offAbort();
    this.#host.unregister(this.subId);
    if (sendClose) this.#host.send(encodeClose(this.subId));
    this.#release();
    this.#wake?.();
  }

  /** Next accepted event; null at the end; throws the terminal error after the queue drains. */
  async next(): Promise<NostrEvent | null> {
    for (;;) {
      const event = this.#queue.shift();
      if (event !== undefined) {
        if (this.#holding) this.#pressure();
        return event;
      }
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
