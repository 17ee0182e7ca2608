/**
 * A NIP-01 relay client over one WebSocket: REQ as an async iterable that ends at EOSE,
 * publish with OK, NIP-45 COUNT, NIP-42 AUTH answered automatically when a key is given.
 * What a relay sends wrong is counted in `stats`, never thrown; refusals, timeouts and
 * disconnects are thrown as typed errors (see errors.ts).
 */
import { randomBytes } from "node:crypto";
import type WebSocket from "ws";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import { storableText } from "../../models/text.js";
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type OpenedWebSocket,
  openWebSocket,
} from "../../utils/transport.js";
import { AuthSession, type AuthStatus } from "./auth.js";
import {
  closedError,
  RelayDisconnectedError,
  RelayNoticeError,
  type TimeoutPhase,
} from "./errors.js";
import {
  encodeCount,
  encodeEvent,
  parseRelayMessage,
  type RelayMessage,
  splitPrefix,
} from "./messages.js";
import {
  type CallOptions,
  type CountResult,
  type PublishResult,
  RELAY_DEFAULTS,
  type RelayClientOptions,
} from "./options.js";
import { ReadGate } from "./read-gate.js";
import { awaitReply, type ReplyStart } from "./reply.js";
import { eventFrameSubId } from "./screen-frames.js";
import { emptyStats, type RelayStats } from "./stats.js";
import {
  type ReqOptions,
  Subscription,
  type SubscriptionHost,
  type SubscriptionSink,
} from "./subscription.js";

type OkListener = (accepted: boolean, message: string) => void;

/** A raw session on one subscription id (RelayClient#openChannel). */
export interface ClientChannel {
  readonly subId: string;
  /** Sends a frame; false once the connection is gone. */
  send(frame: string): boolean;
  /** Stops routing frames to the channel's sink. */
  close(): void;
}

/**
 * Connects (see `openWebSocket` for routing and ConnectError) and returns a client.
 */
export async function connectRelay(url: string, options: RelayClientOptions): Promise<RelayClient> {
  const opened = await openWebSocket(url, options);
  return new RelayClient(url, opened, options);
}

export class RelayClient {
  readonly url: string;
  readonly stats: RelayStats = emptyStats();
  /** Headers of the 101 response (`server`, `x-powered-by`…). */
  readonly upgradeHeaders: Record<string, string>;
  readonly rttOpenMs: number;
  /** True when TLS verification had to be turned off to connect. */
  readonly insecure: boolean;
  onNotice: ((message: string) => void) | undefined;
  onAuthChallenge: ((challenge: string) => void) | undefined;
  #ws: WebSocket;
  #options: RelayClientOptions;
  #auth: AuthSession;
  #sinks = new Map<string, SubscriptionSink>();
  #okListeners = new Map<string, Set<OkListener>>();
  #disconnectHooks = new Set<(error: Error) => void>();
  #closeReason: string | undefined;
  #closed: Promise<void>;
  #subTag = randomBytes(4).toString("hex");
  #subCount = 0;
  #closing = false;
  #gate = new ReadGate(
    { pause: () => this.#ws.pause(), resume: () => this.#ws.resume() },
    (paused) => this.#onReadPaused(paused),
  );

  constructor(url: string, opened: OpenedWebSocket, options: RelayClientOptions) {
    this.url = url;
    this.#ws = opened.ws;
    this.upgradeHeaders = opened.upgradeHeaders;
    this.rttOpenMs = opened.rttOpenMs;
    this.insecure = opened.insecure;
    this.#options = options;
    this.onNotice = options.onNotice;
    this.onAuthChallenge = options.onAuthChallenge;
    this.#auth = new AuthSession(url, options.auth, (frame) => this.#send(frame));
    this.#ws.on("error", (error) => this.#onError(error));
    this.#closed = new Promise((resolve) => {
      if (this.#ws.readyState === 3) {
        this.#onClose(1006, "");
        resolve();
      } else {
        this.#ws.once("close", (code, reason) => {
          this.#onClose(code, storableText(reason.toString()));
          resolve();
        });
      }
    });
    opened.takeMessages((data, isBinary) => this.#onMessage(data, isBinary));
  }

  /** Latest NIP-42 challenge (set even without a key: "this relay asks for auth"). */
  get authChallenge(): string | undefined {
    return this.#auth.challenge;
  }
  get authStatus(): AuthStatus {
    return this.#auth.status;
  }
  /** The relay's message on our AUTH (e.g. why it refused). */
  get authMessage(): string {
    return this.#auth.message;
  }
  /**
   * Waits until our answer to the relay's challenge is accepted: true once authenticated,
   * false without a key, when the relay refused, on abort or after the auth timeout.
   */
  authenticate(signal?: AbortSignal): Promise<boolean> {
    return this.#auth.waitAuthenticated(this.#timeout("auth"), signal);
  }

  get isClosed(): boolean {
    return this.#closeReason !== undefined;
  }
  /** Why the connection ended, once it has. */
  get closeReason(): string | undefined {
    return this.#closeReason;
  }
  /** True while reading from the socket is paused because a REQ's queue is full. */
  get readPaused(): boolean {
    return this.#gate.paused;
  }

  #host: SubscriptionHost = {
    stats: this.stats,
    gate: this.#gate,
    send: (frame) => this.#send(frame),
    register: (subId, sink) => this.#sinks.set(subId, sink),
    unregister: (subId) => this.#sinks.delete(subId),
    nextSubId: () => `${this.#subTag}:${++this.#subCount}`,
    disconnectError: () => new RelayDisconnectedError(this.#closeReason ?? "not connected"),
    waitAuthenticated: (signal) => this.#auth.waitAuthenticated(this.#timeout("auth"), signal),
  };

  #timeout(kind: "idle" | "eose" | "reply" | "auth"): number {
    const o = this.#options;
    if (kind === "idle") return o.idleTimeoutMs ?? RELAY_DEFAULTS.idleTimeoutMs;
    if (kind === "eose") return o.eoseTimeoutMs ?? RELAY_DEFAULTS.eoseTimeoutMs;
    if (kind === "reply") return o.replyTimeoutMs ?? RELAY_DEFAULTS.replyTimeoutMs;
    return o.authTimeoutMs ?? RELAY_DEFAULTS.authTimeoutMs;
  }

  #send(frame: string): boolean {
    if (this.#closeReason !== undefined || this.#ws.readyState !== 1) return false;
    this.stats.bytesSent += Buffer.byteLength(frame);
    this.#ws.send(frame);
    return true;
  }

  #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    this.stats.frames++;
    this.stats.bytesReceived += Array.isArray(data)
      ? data.reduce((n, b) => n + b.length, 0)
      : data.byteLength;
    if (isBinary) {
      this.stats.garbageFrames++;
      return;
    }
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    // A REQ that screens its events elsewhere takes its EVENT frames as they came.
    const subId = eventFrameSubId(bytes);
    if (subId !== undefined && this.#sinks.get(subId)?.onEventFrame?.(bytes) === true) return;
    const parsed = parseRelayMessage(bytes.toString());
    if (!parsed.ok) this.stats.garbageFrames++;
    else this.#dispatch(parsed.message);
  }

  #dispatch(message: RelayMessage): void {
    switch (message.type) {
      case "NOTICE":
        this.stats.notices++;
        this.onNotice?.(message.message);
        for (const sink of [...this.#sinks.values()]) sink.onNotice?.(message.message);
        return;
      case "AUTH":
        this.onAuthChallenge?.(message.challenge);
        return void this.#auth.onChallenge(message.challenge);
      case "OK":
        if (this.#auth.onOk(message.eventId, message.accepted, message.message)) return;
        for (const listener of this.#okListeners.get(message.eventId) ?? []) {
          listener(message.accepted, message.message);
        }
        return;
      default:
        this.#toSink(message);
    }
  }

  #toSink(message: Extract<RelayMessage, { subId: string }>): void {
    const sink = this.#sinks.get(message.subId);
    if (sink === undefined) {
      this.stats.unknownSub++;
      return;
    }
    if (message.type === "EVENT") sink.onEvent(message.event);
    else if (message.type === "EOSE") sink.onEose();
    else if (message.type === "CLOSED") sink.onClosed(message.message);
    else if (message.type === "COUNT")
      sink.onCount?.(message.count, message.approximate, message.hll);
    else if (message.type === "NEG-MSG") sink.onNegMsg?.(message.message);
    else sink.onNegErr?.(message.message, message.maxRecords);
  }

  #onReadPaused(paused: boolean): void {
    if (paused) this.stats.readPauses++;
    for (const sink of [...this.#sinks.values()]) sink.onReadPaused?.(paused);
  }

  #onError(error: Error & { code?: string }): void {
    if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
      this.stats.oversized++;
      const max = this.#options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
      this.#closeReason ??= `relay sent a message larger than ${max} bytes`;
    } else {
      this.#closeReason ??= error.message;
    }
  }

  #onClose(code: number, reason: string): void {
    this.#closeReason ??= `closed by relay (code ${code}${reason ? `: ${reason}` : ""})`;
    this.#gate.close();
    const error = new RelayDisconnectedError(this.#closeReason);
    const sinks = [...this.#sinks.values()];
    this.#sinks.clear();
    for (const sink of sinks) sink.onDisconnect(error);
    for (const hook of [...this.#disconnectHooks]) hook(error);
    this.#auth.dispose();
  }

  /**
   * Sends a REQ and yields the stored events; ends at EOSE (then sends CLOSE). Breaking
   * out of the loop or aborting sends CLOSE. A consumer that falls `maxQueuedEvents` behind
   * pauses reading from the socket until it catches up (see RelayClientOptions). Throws
   * RelayClosedError subclasses, RelayTimeoutError, RelayDisconnectedError, or the signal's
   * reason on abort.
   */
  async *req(filters: Filter[], options: ReqOptions = {}): AsyncGenerator<NostrEvent, void> {
    const sub = new Subscription(this.#host, filters, {
      ...options,
      idleTimeoutMs: options.idleTimeoutMs ?? this.#timeout("idle"),
      eoseTimeoutMs: options.eoseTimeoutMs ?? this.#timeout("eose"),
      maxQueuedEvents:
        options.maxQueuedEvents ?? this.#options.maxQueuedEvents ?? RELAY_DEFAULTS.maxQueuedEvents,
    });
    try {
      sub.start();
      for (;;) {
        const event = await sub.next();
        if (event === null) return;
        yield event;
      }
    } finally {
      sub.dispose();
    }
  }

  /** Publishes `event` and waits for OK. An auth-required refusal is retried once after AUTH. */
  async publish(event: NostrEvent, options: CallOptions = {}): Promise<PublishResult> {
    const first = await this.#sendEvent(event, options);
    if (first.ok || first.prefix !== "auth-required") return first;
    if (!(await this.#auth.waitAuthenticated(this.#timeout("auth"), options.signal))) return first;
    return this.#sendEvent(event, options);
  }

  #sendEvent(event: NostrEvent, options: CallOptions): Promise<PublishResult> {
    return this.#reply<PublishResult>("ok", options, (resolve, reject) => {
      const listener: OkListener = (ok, message) => {
        const { prefix } = splitPrefix(message);
        resolve(prefix === undefined ? { ok, message } : { ok, message, prefix });
      };
      const set = this.#okListeners.get(event.id) ?? new Set();
      this.#okListeners.set(event.id, set.add(listener));
      if (!this.#send(encodeEvent(event))) reject(this.#host.disconnectError());
      return () => {
        set.delete(listener);
        if (set.size === 0) this.#okListeners.delete(event.id);
      };
    });
  }

  /**
   * NIP-45 COUNT. Relays without it answer CLOSED or a NOTICE (RelayNoticeError: any NOTICE
   * while the count waits ends it, as a relay that knows no COUNT cannot name the id), or
   * nothing (→ timeout).
   */
  count(filters: Filter[], options: CallOptions = {}): Promise<CountResult> {
    return this.#reply<CountResult>("count", options, (resolve, reject) => {
      const subId = this.#host.nextSubId();
      this.#sinks.set(subId, {
        onEvent: () => {},
        onEose: () => {},
        onClosed: (message) => reject(closedError(subId, message)),
        onNotice: (message) => reject(new RelayNoticeError(message)),
        onCount: (count, approximate, hll) =>
          resolve({ count, approximate, ...(hll === undefined ? {} : { hll }) }),
        onDisconnect: reject,
      });
      if (!this.#send(encodeCount(subId, filters))) reject(this.#host.disconnectError());
      return () => this.#sinks.delete(subId);
    });
  }

  #reply<T>(phase: TimeoutPhase, options: CallOptions, start: ReplyStart<T>): Promise<T> {
    return awaitReply(
      {
        phase,
        timeoutMs: options.timeoutMs ?? this.#timeout("reply"),
        disconnectHooks: this.#disconnectHooks,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      start,
    );
  }

  /**
   * A raw session on a fresh subscription id, for extensions with verbs of their own (NIP-77
   * NEG-*): frames addressed to the id go to `sink`, and so does every NOTICE and the
   * disconnect. The caller encodes what it sends and closes the channel when done.
   */
  openChannel(sink: SubscriptionSink): ClientChannel {
    const subId = this.#host.nextSubId();
    this.#sinks.set(subId, sink);
    return {
      subId,
      send: (frame) => this.#send(frame),
      close: () => {
        if (this.#sinks.get(subId) === sink) this.#sinks.delete(subId);
      },
    };
  }

  /** Closes the connection (idempotent); resolves once the socket is closed. */
  close(): Promise<void> {
    if (this.#closing || this.#ws.readyState === 3) return this.#closed;
    this.#closing = true;
    this.#closeReason ??= "closed by client";
    // The relay's close frame has to be read, whatever the queues hold.
    this.#gate.close();
    if (this.#ws.readyState === 1) this.#ws.close(1000);
    const timer = setTimeout(() => this.#ws.terminate(), RELAY_DEFAULTS.closeTimeoutMs);
    void this.#closed.then(() => clearTimeout(timer));
    return this.#closed;
  }
}
