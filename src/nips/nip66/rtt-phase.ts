/** The outcome of one rtt step (read or write) and the helpers both steps share. */
import type { RelayClient } from "../nip01/connection.js";
import { policyOf, type RelayPolicy } from "./policy.js";
import type { ReadProbe } from "./probe.js";

/** One measured step. `ms` is the round trip; a refusal keeps the relay's message. */
export type RttPhase =
  | { status: "ok"; ms: number }
  | { status: "refused"; policy: RelayPolicy; reason: string; ms: number }
  | { status: "failed"; reason: string; ms: number }
  | { status: "skipped"; reason: string };

export const skippedPhase = (reason: string): RttPhase => ({ status: "skipped", reason });

/** Runs `step`; if NIP-42 completed during it, runs it again so it is timed behind AUTH. */
export async function behindAuth<T>(client: RelayClient, step: () => Promise<T>): Promise<T> {
  const before = client.authStatus;
  const result = await step();
  return before !== "ok" && client.authStatus === "ok" ? step() : result;
}

/** How a REQ outcome reads as an rtt-read. */
export function readPhase(read: ReadProbe): RttPhase {
  switch (read.outcome) {
    case "eose":
      return { status: "ok", ms: read.firstEventMs ?? read.ms };
    case "event":
      return { status: "ok", ms: read.ms };
    case "closed": {
      const policy = policyOf(read.message);
      if (policy !== undefined)
        return { status: "refused", policy, reason: read.message, ms: read.ms };
      return { status: "failed", reason: `closed: ${read.message || "(no reason)"}`, ms: read.ms };
    }
    case "timeout":
      return {
        status: "failed",
        reason: `no EOSE or CLOSED within ${read.timeoutMs} ms (${read.frames} frame(s) received)`,
        ms: read.ms,
      };
    case "disconnected":
      return { status: "failed", reason: `disconnected: ${read.reason}`, ms: read.ms };
    case "auth":
    case "aborted":
      return skippedPhase(read.outcome === "auth" ? "stopped at the AUTH challenge" : "aborted");
  }
}
