import { METADATA_TYPES, type MetadataType } from "../../../models/metadata-type.js";
import type { RelayMetadata } from "../../../models/relay-metadata.js";
import type { Db } from "../pool.js";
import { any } from "../sql.js";

/** A check snapshot with its document (`{"data": {…}, "logs": {…}}`). */
export interface RelayMetadataWithData extends RelayMetadata {
  data: unknown;
}

interface Row {
  relay_url: string;
  metadata_type: MetadataType;
  generated_at: number;
  metadata_id: Buffer;
  data: unknown;
}

function toSnapshot(r: Row): RelayMetadataWithData {
  return {
    relayUrl: r.relay_url,
    metadataType: r.metadata_type,
    generatedAt: r.generated_at,
    metadataId: r.metadata_id,
    data: r.data,
  };
}

// relay_latest_check (migration 000007): one index probe per (relay, type) on
// relay_metadata_latest_idx, however long the history (the relay_metadata_latest view reads the
// same).
const LATEST = `
  SELECT r.url AS relay_url, t.type AS metadata_type, l.generated_at, l.metadata_id, l.data
  FROM relay r
  CROSS JOIN unnest($2::text[]) AS t(type)
  CROSS JOIN LATERAL relay_latest_check(r.id, t.type) l
  WHERE r.url = ANY($1::text[])
  ORDER BY r.url, t.type`;

/**
 * The newest snapshot of each check type (default all) of each relay in `urls`; a relay or
 * type never checked has no row. Ordered by URL, then type.
 */
export async function latestRelayMetadata(
  db: Db,
  urls: readonly string[],
  types: readonly MetadataType[] = METADATA_TYPES,
): Promise<RelayMetadataWithData[]> {
  if (urls.length === 0 || types.length === 0) return [];
  const rows = await any<Row>(db, LATEST, [[...new Set(urls)], [...new Set(types)]]);
  return rows.map(toSnapshot);
}
