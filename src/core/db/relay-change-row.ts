/**
 * A relay_change row joined with its relay, as every reader of the table selects it (the
 * alert sender's claim in alert-deliveries.ts, the API's feed in api/relay-changes.ts), and its
 * one mapping to the model. relay-changes.ts owns the table.
 */
import type { Network } from "../../models/network.js";
import type { ChangeKind, RelayChange } from "../../models/relay-change.js";

export interface RelayChangeRow {
  /** The change's id (bigint, as text). */
  change_id: string;
  url: string;
  network: Network;
  kind: ChangeKind;
  checked_at: string;
  recorded_at: string;
  evidence: Record<string, unknown>;
}

/** The columns of a RelayChangeRow from `relay_change c` joined with `relay r`. */
export const RELAY_CHANGE_COLUMNS =
  "c.id AS change_id, r.url, r.network, c.kind, c.checked_at, c.recorded_at, c.evidence";

export function toRelayChange(r: RelayChangeRow): RelayChange {
  return {
    id: Number(r.change_id),
    relayUrl: r.url,
    network: r.network,
    kind: r.kind,
    checkedAt: Number(r.checked_at),
    recordedAt: Number(r.recorded_at),
    evidence: r.evidence,
  };
}
