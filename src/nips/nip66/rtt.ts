/**
 * NIP-66 round trips: open (connect, TLS and WebSocket upgrade), read (a REQ answered) and
 * write (a signed event accepted and then returned by id). A refusal with a policy prefix
 * (auth-required, payment-required, pow, restricted, rate-limited, blocked) is recorded as
 * the relay's policy, not as a failure. With a key, NIP-42 AUTH is completed first and the
 * read and write are timed behind it. Only a failed open makes the check an "error" (and so
 * the only outcome that is retried).
 */
import type { Filter } from "../../models/event-types.js";
import { type RouteOptions, toConnectError } from "../../utils/transport.js";
import { type CheckResult, checkError, checkOk, checkSkipped } from "../check-result.js";
import { type RetryOptions, refusedConnection, retryCheck } from "../check-retry.js";
import type { AuthStatus } from "../nip01/auth.js";
import { connectRelay, type RelayClient } from "../nip01/connection.js";
import type { RelayClientOptions } from "../nip01/options.js";
import { probeRead } from "./probe.js";
import { behindAuth, type RttPhase, readPhase, skippedPhase } from "./rtt-phase.js";
import { measureWrite, type WriteProbeOptions } from "./rtt-write.js";
import { since } from "./target.js";

export interface Nip66Rtt {
  /** Connect, TLS and upgrade, in ms. */
  openMs: number;
  read: RttPhase;
  write: RttPhase;
  /** NIP-42 on this connection: "none" (never challenged), "challenged" (no key), "ok"… */
  auth: AuthStatus;
  /** The connection only worked with TLS verification off (allowInsecure). */
  insecure: boolean;
  /** Headers of the connection's upgrade response (the http check reads them: no second upgrade). */
  upgradeHeaders?: Readonly<Record<string, string>>;
}

export interface RttOptions extends RouteOptions, WriteProbeOptions {
  /** Budget of each step (open, read, write with its read-back, AUTH). */
  timeoutMs: number;
  signal?: AbortSignal;
  allowInsecure?: boolean;
  /** Largest incoming frame; default the transport's 16 MiB. */
  maxPayloadBytes?: number;
  /** Answers NIP-42 challenges and signs the write probe. Without it, write is skipped. */
  secretKey?: Uint8Array;
  /** Default true. */
  read?: boolean;
  /** Default true. */
  write?: boolean;
  retry?: RetryOptions;
  /** Opens the relay connection; default nip01's connectRelay. */
  connect?: (url: string, options: RelayClientOptions) => Promise<RelayClient>;
}

/** Any event answers the read (the first one ends it); `limit: 1` keeps it small. */
const READ_FILTER: Filter = { limit: 1 };

export type { RttPhase } from "./rtt-phase.js";

/** The read step; `mute` when the relay sent nothing at all within the timeout. */
async function measureRead(
  client: RelayClient,
  options: RttOptions,
): Promise<{ phase: RttPhase; mute: boolean }> {
  const step = () =>
    probeRead(client, {
      filter: READ_FILTER,
      timeoutMs: options.timeoutMs,
      stopOnEvent: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const read = await behindAuth(client, step);
  return { phase: readPhase(read), mute: read.outcome === "timeout" && read.frames === 0 };
}

/** A relay that answered nothing to the read is not asked to write: a second timeout for nothing. */
const MUTE = "the relay sent nothing at all to the read";

function clientOptions(options: RttOptions): RelayClientOptions {
  const t = options.timeoutMs;
  const { network, proxyUrl, allowPrivate, resolver, allowInsecure, signal, secretKey } = options;
  return {
    network,
    timeoutMs: t,
    replyTimeoutMs: t,
    authTimeoutMs: t,
    idleTimeoutMs: t,
    eoseTimeoutMs: t,
    ...(proxyUrl === undefined ? {} : { proxyUrl }),
    ...(allowPrivate === undefined ? {} : { allowPrivate }),
    ...(resolver === undefined ? {} : { resolver }),
    ...(allowInsecure === undefined ? {} : { allowInsecure }),
    ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
    ...(signal ? { signal } : {}),
    ...(secretKey ? { auth: { secretKey } } : {}),
  };
}

async function measure(client: RelayClient, options: RttOptions): Promise<Nip66Rtt> {
  // A relay that challenged on connect: answer first, so read and write are timed behind it.
  if (options.secretKey && client.authChallenge !== undefined) {
    await client.authenticate(options.signal);
  }
  const { phase: read, mute } =
    options.read === false
      ? { phase: skippedPhase("disabled"), mute: false }
      : await measureRead(client, options);
  const write =
    options.write === false
      ? skippedPhase("disabled")
      : mute
        ? skippedPhase(MUTE)
        : await measureWrite(client, options);
  return {
    openMs: client.rttOpenMs,
    read,
    write,
    auth: client.authStatus,
    insecure: client.insecure,
    upgradeHeaders: client.upgradeHeaders,
  };
}

async function rttOnce(url: string, options: RttOptions): Promise<CheckResult<Nip66Rtt>> {
  const started = performance.now();
  let client: RelayClient;
  try {
    client = await (options.connect ?? connectRelay)(url, clientOptions(options));
  } catch (error) {
    if (options.signal?.aborted) return checkSkipped("aborted");
    const failure = toConnectError(error);
    return checkError(`${failure.kind}: ${failure.reason}`, since(started));
  }
  try {
    const data = await measure(client, options);
    if (options.signal?.aborted) return checkSkipped("aborted");
    return checkOk(data, since(started));
  } finally {
    void client.close();
  }
}

/** Measures open, read and write round trips of `url`. Never throws. */
export function checkRtt(url: string, options: RttOptions): Promise<CheckResult<Nip66Rtt>> {
  return retryCheck(() => rttOnce(url, options), {
    isFinal: refusedConnection,
    ...options.retry,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
