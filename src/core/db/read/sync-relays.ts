import type { Network } from "../../../models/network.js";
import type { Db } from "../pool.js";
import { any } from "../sql.js";

export interface SyncCandidate {
  url: string;
  network: Network;
  /** The synchronizer's cursor document for this relay, or null before its first sync. */
  cursor: Record<string, unknown> | null;
  /** The relay's newest NIP-11 document (any age) lists NIP-77 in supported_nips… */
  nip11Lists77: boolean;
  /** …and its limitation.max_message_length, when it gives one. */
  nip11MaxMessage: number | null;
}

export interface SyncSelection {
  /** service_name of the synchronizer's cursors. */
  service: string;
  networks: readonly Network[];
  /** Only relays whose newest NIP-66 RTT check since `checkedSince` had a read time. */
  requireReadable: boolean;
  checkedSince: number;
  /** Only this relay (CLI `--relay`). */
  url?: string;
}

/**
 * Relays to synchronize, most behind first (no cursor, then the oldest `until`). "Readable"
 * is the monitor's word: its newest `nip66_rtt` document within the age limit has a numeric
 * `rtt_read` (relay_metadata_latest_idx serves both lookups).
 */
export async function relaysToSync(db: Db, selection: SyncSelection): Promise<SyncCandidate[]> {
  return any<SyncCandidate>(
    db,
    `SELECT r.url, r.network, s.state_value AS cursor,
       coalesce(nip11.lists77, false) AS "nip11Lists77",
       nip11.max_message AS "nip11MaxMessage"
     FROM relay r
     LEFT JOIN service_state s
       ON s.service_name = $1 AND s.state_type = 'cursor' AND s.state_key = r.url
     LEFT JOIN LATERAL (
       SELECT jsonb_typeof(d -> 'supported_nips') = 'array'
           AND (d -> 'supported_nips') @> '[77]'::jsonb AS lists77,
         CASE WHEN jsonb_typeof(d -> 'limitation' -> 'max_message_length') = 'number'
           THEN (d -> 'limitation' ->> 'max_message_length')::float8::bigint END AS max_message
       FROM relay_metadata rm
       JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type,
         LATERAL (SELECT m.data -> 'data' AS d) doc
       WHERE rm.relay_id = r.id AND rm.metadata_type = 'nip11_info'
       ORDER BY rm.generated_at DESC LIMIT 1) nip11 ON true
     WHERE r.network = ANY($2::text[])
       AND ($5::text IS NULL OR r.url = $5)
       AND (NOT $3 OR EXISTS (
         SELECT 1 FROM (
           SELECT rm.metadata_id, rm.metadata_type FROM relay_metadata rm
           WHERE rm.relay_id = r.id AND rm.metadata_type = 'nip66_rtt' AND rm.generated_at >= $4
           ORDER BY rm.generated_at DESC LIMIT 1
         ) latest
         JOIN metadata m ON m.id = latest.metadata_id AND m.type = latest.metadata_type
         WHERE jsonb_typeof(m.data -> 'data' -> 'rtt_read') = 'number'))
     ORDER BY coalesce((s.state_value ->> 'until')::bigint, -1), r.url`,
    [
      selection.service,
      selection.networks,
      selection.requireReadable,
      selection.checkedSince,
      selection.url ?? null,
    ],
  );
}
