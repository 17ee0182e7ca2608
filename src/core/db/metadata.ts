import type pg from "pg";
import { buildMetadata, type Metadata } from "../../models/metadata.js";
import type { MetadataType } from "../../models/metadata-type.js";
import { type CleanupOptions, deleteInBatches, type OrphanBatch } from "./batched-delete.js";
import type { Db } from "./pool.js";
import { affected, uniqueBy } from "./sql.js";

/** A check document to store under its content hash. */
export interface MetadataDoc {
  type: MetadataType;
  data: unknown;
}

const INSERT = `
  INSERT INTO metadata (id, type, data)
  SELECT u.id, u.type, u.data::jsonb
  FROM unnest($1::bytea[], $2::text[], $3::text[]) AS u(id, type, data)
  ORDER BY 1, 2
  ON CONFLICT (id, type) DO NOTHING`;

/** Writes built rows (first of each (id, type) wins); returns how many were new. */
export async function insertMetadataRows(db: Db, rows: readonly Metadata[]): Promise<number> {
  const unique = uniqueBy(rows, (r) => `${r.id.toString("hex")} ${r.type}`);
  if (unique.length === 0) return 0;
  return affected(db, INSERT, [
    unique.map((r) => r.id),
    unique.map((r) => r.type),
    unique.map((r) => r.data),
  ]);
}

/**
 * Stores documents content-addressed: id = metadataId(data), data = its canonical JSON
 * (throws CanonicalJsonError for what cannot be canonicalised, e.g. a NUL character).
 * Returns how many (id, type) pairs were new.
 * @public documents without snapshots (tests of the table; the monitor uses recordRelayMetadata)
 */
export async function insertMetadata(db: Db, docs: readonly MetadataDoc[]): Promise<number> {
  return insertMetadataRows(
    db,
    docs.map((d) => buildMetadata(d.type, d.data)),
  );
}

const ORPHAN_METADATA: OrphanBatch = {
  pick: `SELECT m.id, m.type FROM metadata m
         WHERE NOT EXISTS (SELECT 1 FROM relay_metadata rm
                           WHERE rm.metadata_id = m.id AND rm.metadata_type = m.type)
         LIMIT $1 FOR UPDATE OF m SKIP LOCKED`,
  remove: `DELETE FROM metadata m USING unnest($1::bytea[], $2::text[]) AS d(id, type)
           WHERE m.id = d.id AND m.type = d.type
             AND NOT EXISTS (SELECT 1 FROM relay_metadata rm
                             WHERE rm.metadata_id = m.id AND rm.metadata_type = m.type)`,
  params: (rows) => [rows.map((r) => r.id), rows.map((r) => r.type)],
};

/**
 * Deletes metadata documents no snapshot references, in batches; returns the count.
 */
export async function deleteOrphanMetadata(
  pool: pg.Pool,
  options: CleanupOptions = {},
): Promise<number> {
  return deleteInBatches(pool, ORPHAN_METADATA, options);
}
