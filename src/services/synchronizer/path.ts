/**
 * Which way a relay is synced, remembered in its cursor with the reason: NIP-77 negentropy
 * when its NIP-11 lists 77 or a probe (the first reconciliation itself) worked; REQ windows
 * when negentropy is off, our filter is one the local read cannot select, the relay refused
 * or does not speak it (remembered until `recheck` seconds have passed), or it failed
 * mid-way (REQ for the rest of that cycle, negentropy again on the next).
 */
import type { SyncPath } from "../../core/db/service-state/sync-cursor.js";
import { RelayDisconnectedError, RelayTimeoutError } from "../../nips/nip01/index.js";
import {
  NegClosedError,
  NegErrError,
  NegProtocolError,
  NegUnsupportedError,
} from "../../nips/nip77/index.js";

export interface PathInput {
  enabled: boolean;
  /** Our filter can be selected locally (sightedSupports). */
  filterSupported: boolean;
  /** The relay's newest NIP-11 document lists 77. */
  nip11Lists77: boolean;
  remembered: SyncPath | null;
  now: number;
  /** Seconds a relay found without NIP-77 (or refusing it) stays on REQ. */
  recheck: number;
}

/** The path to try this cycle; `probe` is set when nothing says the relay speaks NIP-77. */
export function choosePath(input: PathInput): SyncPath & { probe: boolean } {
  const at = input.now;
  if (!input.enabled) {
    return { path: "req", reason: "disabled", detail: "negentropy is off", at, probe: false };
  }
  if (!input.filterSupported) {
    const detail = "the filter has keys the local read cannot select";
    return { path: "req", reason: "filter", detail, at, probe: false };
  }
  const r = input.remembered;
  const sticky = r?.path === "req" && (r.reason === "unsupported" || r.reason === "refused");
  if (r && sticky && r.at + input.recheck > input.now) return { ...r, probe: false };
  if (input.nip11Lists77) {
    return { path: "negentropy", reason: "nip11", detail: "NIP-11 lists 77", at, probe: false };
  }
  if (r?.path === "negentropy" && r.reason === "probe") return { ...r, probe: false };
  return { path: "negentropy", reason: "probe", detail: "probing NIP-77", at, probe: true };
}

/**
 * What a failed reconciliation means for the path: the relay does not speak NIP-77 or
 * refuses it (sticky until the recheck), or it failed this time (disconnect, timeout,
 * session closed, a message we could not read).
 */
export function failurePath(error: unknown, now: number): SyncPath | null {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof NegUnsupportedError) {
    return { path: "req", reason: "unsupported", detail: error.reason, at: now };
  }
  if (error instanceof NegClosedError || error instanceof NegProtocolError) {
    return { path: "req", reason: "failed", detail: message, at: now };
  }
  if (error instanceof NegErrError) {
    return { path: "req", reason: "refused", detail: error.reason, at: now };
  }
  if (error instanceof RelayDisconnectedError || error instanceof RelayTimeoutError) {
    return { path: "req", reason: "failed", detail: message, at: now };
  }
  return null;
}
