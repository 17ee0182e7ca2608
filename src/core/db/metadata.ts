import { canonicalJson, type MetadataType, metadataId } from "./models-shim.js";
import type { Queryable } from "./pool.js";
import { affected } from "./sql.js";

/** A check document to store under its content hash. */
export interface MetadataDoc {
  type: MetadataType;
  data: unknown;
}

/** A document with its id (hex SHA-256 of the canonical JSON) and that JSON. */
export interface MetadataRow {
  id: string;
  type: MetadataType;
  json: string;
}

/** Hashes a document: id = metadataId(data), json = canonicalJson(data). */
export function toMetadataRow(doc: MetadataDoc): MetadataRow {
  return {
    id: metadataId(doc.data).toString("hex"),
    type: doc.type,
    json: canonicalJson(doc.data),
  };
}

const INSERT = `
  INSERT INTO metadata (id, type, data)
  SELECT decode(u.id, 'hex'), u.type, u.data::jsonb
  FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, type, data)
  ORDER BY 1, 2
  ON CONFLICT (id, type) DO NOTHING`;

/** Writes hashed documents (first of each (id, type) wins); returns how many were new. */
export async function insertMetadataRows(
  db: Queryable,
  all: readonly MetadataRow[],
): Promise<number> {
  const byKey = new Map<string, MetadataRow>();
  for (const r of all) if (!byKey.has(`${r.id} ${r.type}`)) byKey.set(`${r.id} ${r.type}`, r);
  const rows = [...byKey.values()];
  if (rows.length === 0) return 0;
  return affected(db, INSERT, [
    rows.map((r) => r.id),
    rows.map((r) => r.type),
    rows.map((r) => r.json),
  ]);
}

/**
 * Stores documents content-addressed: id = metadataId(data), data = its canonical JSON.
 * Returns how many (id, type) pairs were new.
 */
export async function insertMetadata(db: Queryable, docs: readonly MetadataDoc[]): Promise<number> {
  return insertMetadataRows(db, docs.map(toMetadataRow));
}
