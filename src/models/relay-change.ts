/**
 * A relay change: something the monitor saw change in a relay's check results, or a relay the
 * validator added (docs/changes.md has every kind and its evidence).
 */
import type { Network } from "./network.js";

export const CHANGE_KINDS = [
  "relay_added",
  "down",
  "up",
  "nip11_changed",
  "nips_changed",
  "cert_renewed",
  "cert_expiring",
  "cert_invalid",
  "rtt_high",
  "rtt_normal",
  "write_failing",
  "write_restored",
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** A change as detected, before it is stored. */
export interface DetectedChange {
  relayUrl: string;
  kind: ChangeKind;
  /** Unix seconds of the check whose result is the evidence (part of the change's key). */
  checkedAt: number;
  evidence: Record<string, unknown>;
}

/** A stored change: `id` orders the feed. */
export interface RelayChange extends DetectedChange {
  id: number;
  network: Network;
  /** Unix seconds when it was stored. */
  recordedAt: number;
}

/** A change as the JSON the API, the stream and the alerts send (snake_case). */
export const changeJson = (c: RelayChange) => ({
  id: c.id,
  relay: c.relayUrl,
  network: c.network,
  kind: c.kind,
  checked_at: c.checkedAt,
  recorded_at: c.recordedAt,
  evidence: c.evidence,
});
