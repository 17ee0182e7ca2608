/** Options, defaults and result types of the relay client. */
import type { ConnectOptions } from "../../utils/transport.js";
import type { AuthConfig } from "./auth.js";

/** Default policy; every value can be overridden per client and per call. */
export const RELAY_DEFAULTS = {
  /** req(): max silence between frames of one REQ. */
  idleTimeoutMs: 10_000,
  /** req(): max time from REQ to EOSE, so a relay that never sends EOSE cannot hang us. */
  eoseTimeoutMs: 30_000,
  /** publish() / count(): max wait for OK / COUNT. */
  replyTimeoutMs: 10_000,
  /** Max wait for a NIP-42 challenge + OK before retrying an auth-required request. */
  authTimeoutMs: 10_000,
  /** Wait for the closing handshake before the socket is destroyed. */
  closeTimeoutMs: 1_000,
  /** req(): queue high-water mark at which reading from the socket pauses. */
  maxQueuedEvents: 2_000,
} as const;

export interface RelayClientOptions extends ConnectOptions {
  /** Answer NIP-42 challenges with this key or signer. */
  auth?: AuthConfig;
  onNotice?: (message: string) => void;
  /** Called on every `["AUTH", challenge]`, with or without a key to answer it. */
  onAuthChallenge?: (challenge: string) => void;
  /** req(): max silence within one REQ; time with reading paused does not count. */
  idleTimeoutMs?: number;
  /** req(): max time from REQ to EOSE, time with reading paused left out. */
  eoseTimeoutMs?: number;
  /**
   * publish() / count(): max wait for OK / COUNT. This one keeps running while reading is
   * paused, so a caller that waits on a reply while its own REQ's queue is full gets a
   * timeout instead of a hang.
   */
  replyTimeoutMs?: number;
  authTimeoutMs?: number;
  /**
   * req(): backpressure. When one REQ has this many events queued (accepted and not yet
   * taken by the consumer, or waiting for `verify`), the client stops reading from the
   * socket, so a relay that streams faster than we consume meets a full TCP window instead
   * of filling our memory; reading goes on once that queue is down to half. The socket is
   * shared: it is paused while any REQ is over its mark, and every REQ and reply on the
   * connection waits meanwhile; a REQ that ends (EOSE, CLOSED, abort, break) lets go at once.
   * Overridable per REQ (ReqOptions.maxQueuedEvents). Default 2,000.
   */
  maxQueuedEvents?: number;
}

export interface PublishResult {
  ok: boolean;
  message: string;
  prefix?: string;
}

export interface CountResult {
  count: number;
  approximate: boolean;
  /** NIP-45 HyperLogLog registers as the relay sent them (hex, unchecked: nips/nip45). */
  hll?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}
