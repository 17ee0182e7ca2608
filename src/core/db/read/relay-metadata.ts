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

// One index probe per (relay, type) on relay_metadata_latest_idx (relay_id, metadata_type,
// generated_at DESC), however long the history (as the relay_metadata_latest view reads).
const LATEST = `
  SELECT r.url AS relay_url, t.type AS metadata_type, l.generated_at, l.metadata_id, m.data
  FROM relay r
  CROSS JOIN unnest($2::text[]) AS t(type)
  CROSS JOIN LATERAL (
    SELECT rm.generated_at, rm.metadata_id FROM relay_metadata rm
    WHERE rm.relay_id = r.id AND rm.metadata_type = t.type
    ORDER BY rm.generated_at DESC
    LIMIT 1
  ) l
  JOIN metadata m ON m.id = l.metadata_id AND m.type = t.type
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

export interface HistoryOptions {
  /** Snapshots generated at or after this time (unix seconds; default all). */
  since?: number;
  /** …and before this time (exclusive; default all). Pass a page's oldest time for the next. */
  until?: number;
  /** Only this check type. */
  type?: MetadataType;
  /** At most this many, 1–1000 (default 100). */
  limit?: number;
}

// relay_metadata_pkey (relay_id, generated_at, metadata_type), read backwards.
const HISTORY = `
  SELECT $1::text AS relay_url, rm.metadata_type, rm.generated_at, rm.metadata_id, m.data
  FROM relay_metadata rm
  JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
  WHERE rm.relay_id = (SELECT id FROM relay WHERE url = $1)
    AND rm.generated_at >= $2 AND rm.generated_at < $3
    AND ($4::text IS NULL OR rm.metadata_type = $4)
  ORDER BY rm.generated_at DESC, rm.metadata_type
  LIMIT $5`;

/**
 * The check snapshots of one relay in a time range, newest first (ties by type).
 * @planned HTTP API: a relay's history
 */
export async function relayMetadataHistory(
  db: Db,
  url: string,
  options: HistoryOptions = {},
): Promise<RelayMetadataWithData[]> {
  const limit = Math.min(1000, Math.max(1, Math.trunc(options.limit ?? 100)));
  const rows = await any<Row>(db, HISTORY, [
    url,
    options.since ?? 0,
    options.until ?? Number.MAX_SAFE_INTEGER,
    options.type ?? null,
    limit,
  ]);
  return rows.map(toSnapshot);
}
