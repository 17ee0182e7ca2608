/**
 * "Does this relay answer a REQ?", the one implementation shared by the validator's liveness
 * probe and the NIP-66 rtt check. A REQ is answered by its EOSE (after any events) or by a
 * CLOSED for its own subscription id; with `stopOnChallenge`, an AUTH challenge counts as an
 * answer too (it proves a NIP-42 relay). Anything else, however well formed, is not an
 * answer: when the time is up the outcome is "timeout" with the frames that did arrive.
 */
import type { Filter } from "../../models/event-types.js";
import { onAbort } from "../../utils/abort.js";
import { type ConnectError, type RouteOptions, toConnectError } from "../../utils/transport.js";
import {
  connectRelay,
  type RelayClient,
  type RelayClientOptions,
  RelayClosedError,
  RelayDisconnectedError,
  RelayTimeoutError,
} from "../nip01/index.js";

const since = (started: number) => Math.round(performance.now() - started);

/** How a REQ ended. `ms` runs from the REQ (or the probe's start) to that moment. */
export type ReadProbe =
  | { outcome: "eose"; ms: number; events: number; firstEventMs: number | undefined }
  | { outcome: "event"; ms: number }
  | { outcome: "closed"; ms: number; message: string; prefix: string | undefined }
  | { outcome: "auth"; ms: number }
  | { outcome: "timeout"; ms: number; frames: number; garbage: number; timeoutMs: number }
  | { outcome: "disconnected"; ms: number; reason: string }
  | { outcome: "aborted"; ms: number };

export interface ReadProbeOptions {
  filter: Filter;
  /** Longest wait for the answer. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** An AUTH challenge (before or during the REQ) ends the probe as "auth". */
  stopOnChallenge?: boolean;
  /** The first matching event ends the probe as "event" (the REQ is then CLOSEd). */
  stopOnEvent?: boolean;
}

/** Chains a challenge listener onto the client for the probe's duration; returns the undo. */
function listenForChallenge(client: RelayClient, onChallenge: () => void): () => void {
  const previous = client.onAuthChallenge;
  client.onAuthChallenge = (challenge) => {
    previous?.(challenge);
    onChallenge();
  };
  return () => {
    client.onAuthChallenge = previous;
  };
}

function failure(error: unknown, client: RelayClient, ms: number, timeoutMs: number): ReadProbe {
  if (error instanceof RelayClosedError) {
    return { outcome: "closed", ms, message: error.reason, prefix: error.prefix };
  }
  if (error instanceof RelayTimeoutError) {
    const { frames, garbageFrames } = client.stats;
    return { outcome: "timeout", ms, frames, garbage: garbageFrames, timeoutMs };
  }
  const reason =
    error instanceof RelayDisconnectedError
      ? error.reason
      : error instanceof Error
        ? error.message
        : String(error);
  return { outcome: "disconnected", ms, reason };
}

/** Sends one REQ for `filter` and reports how the relay answered. Never throws. */
export async function probeRead(
  client: RelayClient,
  options: ReadProbeOptions,
): Promise<ReadProbe> {
  const started = performance.now();
  if (options.stopOnChallenge && client.authChallenge !== undefined) {
    return { outcome: "auth", ms: 0 };
  }
  const stop = new AbortController();
  let challenged = false;
  const offChallenge = options.stopOnChallenge
    ? listenForChallenge(client, () => {
        challenged = true;
        stop.abort();
      })
    : () => {};
  const offAbort = options.signal ? onAbort(options.signal, () => stop.abort()) : () => {};
  if (options.signal?.aborted) stop.abort();
  let events = 0;
  let firstEventMs: number | undefined;
  try {
    const limits = { idleTimeoutMs: options.timeoutMs, eoseTimeoutMs: options.timeoutMs };
    for await (const _event of client.req([options.filter], { ...limits, signal: stop.signal })) {
      if (options.stopOnEvent) return { outcome: "event", ms: since(started) };
      events++;
      firstEventMs ??= since(started);
    }
    return { outcome: "eose", ms: since(started), events, firstEventMs };
  } catch (error) {
    if (challenged) return { outcome: "auth", ms: since(started) };
    if (stop.signal.aborted) return { outcome: "aborted", ms: since(started) };
    return failure(error, client, since(started), options.timeoutMs);
  } finally {
    offChallenge();
    offAbort();
  }
}

export interface LivenessOptions extends RouteOptions {
  /** Deadline for the whole probe: connect and answer. */
  timeoutMs: number;
  signal?: AbortSignal;
  allowInsecure?: boolean;
  filter?: Filter;
}

/** What the liveness probe saw: a connect failure, or how the REQ ended. */
export type Liveness =
  | { stage: "connect"; error: ConnectError; durationMs: number }
  | { stage: "read"; read: ReadProbe; durationMs: number };

/** Frames are tiny here (EOSE, CLOSED, AUTH, one event); anything bigger closes the socket. */
const MAX_PROBE_FRAME_BYTES = 1024 * 1024;
const LIVENESS_FILTER: Filter = { kinds: [1], limit: 1 };

/**
 * Connects and sends one REQ (default `{kinds:[1], limit:1}`), all within `timeoutMs`. An
 * AUTH challenge counts as an answer. Never throws; an abort shows up as a connect error of
 * kind "aborted" or a read outcome "aborted".
 */
export async function probeLiveness(url: string, options: LivenessOptions): Promise<Liveness> {
  const started = performance.now();
  const { filter, ...route } = options;
  const clientOptions: RelayClientOptions = { ...route, maxPayloadBytes: MAX_PROBE_FRAME_BYTES };
  let client: RelayClient;
  try {
    client = await connectRelay(url, clientOptions);
  } catch (error) {
    return { stage: "connect", error: toConnectError(error), durationMs: since(started) };
  }
  const read = await probeRead(client, {
    filter: filter ?? LIVENESS_FILTER,
    timeoutMs: Math.max(1, options.timeoutMs - since(started)),
    stopOnChallenge: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  void client.close();
  return { stage: "read", read, durationMs: since(started) };
}
