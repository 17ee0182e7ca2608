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
} as const;

export interface RelayClientOptions extends ConnectOptions {
  /** Answer NIP-42 challenges with this key or signer. */
  auth?: AuthConfig;
  onNotice?: (message: string) => void;
  /** Called on every `["AUTH", challenge]`, with or without a key to answer it. */
  onAuthChallenge?: (challenge: string) => void;
  idleTimeoutMs?: number;
  eoseTimeoutMs?: number;
  replyTimeoutMs?: number;
  authTimeoutMs?: number;
}

export interface PublishResult {
  ok: boolean;
  message: string;
  prefix?: string;
}

export interface CountResult {
  count: number;
  approximate: boolean;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}
