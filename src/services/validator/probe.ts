/**
 * One validation probe: open the WebSocket (SSRF guard for clearnet, SOCKS5 for overlays),
 * send `REQ {kinds:[1], limit:1}` and wait for the first frame that proves a relay speaks
 * NIP-01: EOSE or CLOSED for our subscription, or an AUTH challenge. Everything must happen
 * within one deadline. A socket that opens and then says nothing is not a relay.
 */
import { randomBytes } from "node:crypto";
import type { Network } from "../../models/index.js";
import { parseRelayMessage, type RelayMessage } from "../../nips/nip01/index.js";
import { onAbort } from "../../utils/abort.js";
import type { Resolver } from "../../utils/dns.js";
import {
  type ConnectError,
  type OpenedWebSocket,
  openWebSocket,
  toConnectError,
} from "../../utils/transport.js";

/** Why a candidate failed; a bounded set (used as a metric label). */
export const FAILURE_REASONS = [
  "timeout",
  "refused",
  "tls",
  "dns",
  "private-address",
  "proxy",
  "silent",
  "protocol",
  "other",
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** What a probe concluded. "aborted": the cycle was stopped, which says nothing about the relay. */
export type Verdict =
  | { status: "valid"; answer: "eose" | "closed" | "auth" }
  | { status: "invalid"; reason: FailureReason; detail: string }
  | { status: "aborted" };
export type ProbeResult = Verdict & { durationMs: number };

const PROBE_FILTER = { kinds: [1], limit: 1 };

/** Frames are tiny here (EOSE, CLOSED, AUTH, one event); anything bigger closes the socket. */
const MAX_PROBE_FRAME_BYTES = 1024 * 1024;

export interface ProbeOptions {
  network: Network;
  /** Deadline for the whole probe. */
  timeoutMs: number;
  /** SOCKS5 proxy for overlay networks. */
  proxyUrl?: string;
  allowPrivate: boolean;
  allowInsecure: boolean;
  resolver?: Resolver;
  signal: AbortSignal;
}

const REASON_BY_KIND: Record<ConnectError["kind"], FailureReason | "aborted"> = {
  timeout: "timeout",
  refused: "refused",
  "http-status": "refused",
  redirect: "refused",
  dns: "dns",
  tls: "tls",
  "private-address": "private-address",
  proxy: "proxy",
  "too-large": "protocol",
  aborted: "aborted",
  other: "other",
};

function connectFailure(error: ConnectError): Verdict {
  const reason = REASON_BY_KIND[error.kind];
  if (reason === "aborted") return { status: "aborted" };
  return { status: "invalid", reason, detail: error.reason };
}

/** Probes `url`; never throws. */
export async function probeRelay(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let opened: OpenedWebSocket;
  try {
    opened = await openWebSocket(url, {
      network: options.network,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      allowPrivate: options.allowPrivate,
      allowInsecure: options.allowInsecure,
      maxPayloadBytes: MAX_PROBE_FRAME_BYTES,
      ...(options.proxyUrl === undefined ? {} : { proxyUrl: options.proxyUrl }),
      ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
    });
  } catch (error) {
    const verdict: Verdict = options.signal.aborted
      ? { status: "aborted" }
      : connectFailure(toConnectError(error));
    return { ...verdict, durationMs: elapsed() };
  }
  const remaining = Math.max(1, options.timeoutMs - elapsed());
  const verdict = await awaitVerdict(opened, remaining, options.signal);
  closeQuietly(opened);
  return { ...verdict, durationMs: elapsed() };
}

function closeQuietly(opened: OpenedWebSocket): void {
  const { ws } = opened;
  if (ws.readyState === ws.OPEN) ws.close(1000);
  setTimeout(() => ws.terminate(), 1000).unref();
}

/** Sends the REQ and resolves with the first decisive frame, the socket closing, or the deadline. */
function awaitVerdict(
  opened: OpenedWebSocket,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Verdict> {
  const { ws } = opened;
  const subId = `probe-${randomBytes(4).toString("hex")}`;
  const seen = { garbage: 0, other: 0 };
  return new Promise((resolve) => {
    let off = () => {};
    const finish = (answer: Verdict) => {
      clearTimeout(timer);
      off();
      ws.off("close", onClose);
      resolve(answer);
    };
    const onClose = (code: number) =>
      finish({
        status: "invalid",
        reason: "protocol",
        detail: `closed (code ${code}) before answering`,
      });
    const timer = setTimeout(() => finish(silence(seen, timeoutMs)), timeoutMs);
    off = onAbort(signal, () => finish({ status: "aborted" }));
    ws.on("close", onClose);
    opened.takeMessages((data, isBinary) => {
      const parsed = isBinary ? null : parseRelayMessage(String(data));
      if (parsed === null || !parsed.ok) {
        seen.garbage++;
        return;
      }
      const answer = decisive(parsed.message, subId);
      if (answer === null) seen.other++;
      else finish({ status: "valid", answer });
    });
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(["REQ", subId, PROBE_FILTER]));
    else onClose(1006);
  });
}

/** EOSE/CLOSED for our subscription or an AUTH challenge; null for anything else. */
function decisive(m: RelayMessage, subId: string): "eose" | "closed" | "auth" | null {
  if (m.type === "AUTH") return "auth";
  if (m.type === "EOSE" && m.subId === subId) return "eose";
  if (m.type === "CLOSED" && m.subId === subId) return "closed";
  return null;
}

function silence(seen: { garbage: number; other: number }, timeoutMs: number): Verdict {
  if (seen.garbage + seen.other === 0) {
    return {
      status: "invalid",
      reason: "silent",
      detail: `no answer to REQ within ${timeoutMs} ms`,
    };
  }
  const what = seen.garbage > 0 ? `${seen.garbage} unparseable frame(s)` : `${seen.other} frame(s)`;
  return {
    status: "invalid",
    reason: "protocol",
    detail: `${what} but no EOSE, CLOSED or AUTH within ${timeoutMs} ms`,
  };
}
