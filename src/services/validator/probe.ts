/**
 * One validation probe: open the WebSocket (SSRF guard for clearnet, SOCKS5 for overlays),
 * send `REQ {kinds:[1], limit:1}` and wait for the first frame that proves a relay speaks
 * NIP-01: EOSE or CLOSED for our subscription, or an AUTH challenge. Everything must happen
 * within one deadline. A socket that opens and then says nothing is not a relay. The probe
 * itself lives in nips/nip66/probe.ts (the monitor's rtt check reads the same way); this
 * file turns its outcome into the validator's verdict and failure labels.
 */
import type { Network } from "../../models/index.js";
import { probeLiveness, type ReadProbe } from "../../nips/nip66/probe.js";
import type { Resolver } from "../../utils/dns.js";
import type { ConnectError } from "../../utils/transport.js";

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

/** The validator's reading of how the REQ ended. */
function readVerdict(read: ReadProbe): Verdict {
  switch (read.outcome) {
    case "eose":
    case "closed":
    case "auth":
      return { status: "valid", answer: read.outcome };
    case "aborted":
      return { status: "aborted" };
    case "disconnected":
      return { status: "invalid", reason: "protocol", detail: `${read.reason} before answering` };
    case "timeout":
      return silence(read);
    case "event": // only with stopOnEvent, which the validator does not ask for
      return { status: "invalid", reason: "protocol", detail: "an event but no EOSE or CLOSED" };
  }
}

/** Probes `url` (see nips/nip66/probe.ts); never throws. */
export async function probeRelay(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const result = await probeLiveness(url, {
    network: options.network,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    allowPrivate: options.allowPrivate,
    allowInsecure: options.allowInsecure,
    ...(options.proxyUrl === undefined ? {} : { proxyUrl: options.proxyUrl }),
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
  });
  const verdict: Verdict =
    result.stage === "connect"
      ? options.signal.aborted
        ? { status: "aborted" }
        : connectFailure(result.error)
      : readVerdict(result.read);
  return { ...verdict, durationMs: result.durationMs };
}

function silence(read: { frames: number; garbage: number; timeoutMs: number }): Verdict {
  const within = `within ${read.timeoutMs} ms`;
  if (read.frames === 0) {
    return { status: "invalid", reason: "silent", detail: `no answer to REQ ${within}` };
  }
  const other = read.frames - read.garbage;
  const what = read.garbage > 0 ? `${read.garbage} unparseable frame(s)` : `${other} frame(s)`;
  return {
    status: "invalid",
    reason: "protocol",
    detail: `${what} but no EOSE, CLOSED or AUTH ${within}`,
  };
}
