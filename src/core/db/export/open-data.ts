/**
 * Reads for the open-data (Parquet) export: sightings with their times, the relay table and
 * the check history, each in pages in a stable order so memory stays bounded.
 */
import type { Db } from "../pool.js";
import { any } from "../sql.js";

export interface SightingRow {
  eventId: string;
  relayUrl: string;
  seenAt: number;
}

// One primary-key probe per id, in the one partition its hash names (the lateral subquery's
// parameter prunes the rest at run time). A plain join let the planner hash the whole of
// event_relay for every page of ids, so a page cost the archive's size, not the page's.
const SIGHTINGS_SQL = `SELECT encode(s.event_id, 'hex') AS event_id, r.url, s.seen_at
  FROM unnest($1::bytea[]) AS u(id)
  CROSS JOIN LATERAL (
    SELECT er.event_id, er.relay_id, er.seen_at FROM event_relay er WHERE er.event_id = u.id
    OFFSET 0) AS s
  JOIN relay r ON r.id = s.relay_id
  ORDER BY s.event_id, r.url COLLATE "C"`;

/** Where and when each of these events (hex ids) was seen. */
export async function readSightingsOf(db: Db, ids: readonly string[]): Promise<SightingRow[]> {
  if (ids.length === 0) return [];
  const rows = await any<{ event_id: string; url: string; seen_at: string }>(db, SIGHTINGS_SQL, [
    ids.map((id) => Buffer.from(id, "hex")),
  ]);
  return rows.map((r) => ({ eventId: r.event_id, relayUrl: r.url, seenAt: Number(r.seen_at) }));
}

export interface RelayRow {
  url: string;
  network: string;
  discoveredAt: number;
}

/** One page of validated relays in URL order, after `afterUrl`. */
export async function readRelayRows(
  db: Db,
  afterUrl: string | null,
  limit: number,
): Promise<RelayRow[]> {
  const rows = await any<{ url: string; network: string; discovered_at: string }>(
    db,
    `SELECT url, network, discovered_at FROM relay
     WHERE $1::text IS NULL OR url COLLATE "C" > $1::text
     ORDER BY url COLLATE "C" LIMIT $2::int`,
    [afterUrl, limit],
  );
  return rows.map((r) => ({
    url: r.url,
    network: r.network,
    discoveredAt: Number(r.discovered_at),
  }));
}

export interface CheckRow {
  relayId: number;
  relayUrl: string;
  type: string;
  generatedAt: number;
  metadataId: string;
  /** The check's document as stored (JSON text). */
  data: string;
}

/** Position in the check history: its primary key order. */
export interface CheckCursor {
  relayId: number;
  generatedAt: number;
  type: string;
}

/** One page of the check history in (relay, generated_at, type) order, after `after`. */
export async function readCheckRows(
  db: Db,
  after: CheckCursor | null,
  limit: number,
): Promise<CheckRow[]> {
  const rows = await any<{
    relay_id: number;
    url: string;
    metadata_type: string;
    generated_at: string;
    metadata_id: string;
    data: string;
  }>(
    db,
    `SELECT rm.relay_id, r.url, rm.metadata_type, rm.generated_at,
            encode(rm.metadata_id, 'hex') AS metadata_id, m.data::text AS data
     FROM relay_metadata rm
     JOIN relay r ON r.id = rm.relay_id
     JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
     WHERE $1::int IS NULL
        OR (rm.relay_id, rm.generated_at, rm.metadata_type) > ($1::int, $2::bigint, $3::text)
     ORDER BY rm.relay_id, rm.generated_at, rm.metadata_type
     LIMIT $4::int`,
    [after?.relayId ?? null, after?.generatedAt ?? null, after?.type ?? null, limit],
  );
  return rows.map((r) => ({
    relayId: r.relay_id,
    relayUrl: r.url,
    type: r.metadata_type,
    generatedAt: Number(r.generated_at),
    metadataId: r.metadata_id,
    data: r.data,
  }));
}
