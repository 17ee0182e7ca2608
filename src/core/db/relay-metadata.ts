import { insertMetadataRows, toMetadataRow } from "./metadata.js";
import type { MetadataType, Relay, RelayMetadata } from "./models-shim.js";
import type { Queryable } from "./pool.js";
import { insertRelays } from "./relays.js";
import { affected, inTransaction, type TxCapable } from "./sql.js";

const INSERT = `
  INSERT INTO relay_metadata (relay_url, metadata_id, metadata_type, generated_at)
  SELECT u.relay_url, decode(u.metadata_id, 'hex'), u.metadata_type, u.generated_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
       AS u(relay_url, metadata_id, metadata_type, generated_at)
  ORDER BY 1, 4, 3
  ON CONFLICT (relay_url, generated_at, metadata_type) DO NOTHING`;

interface Snapshot {
  relayUrl: string;
  metadataId: string;
  metadataType: MetadataType;
  generatedAt: number;
}

async function insertSnapshots(db: Queryable, rows: readonly Snapshot[]): Promise<number> {
  const byKey = new Map<string, Snapshot>();
  for (const r of rows) {
    const key = `${r.relayUrl} ${r.generatedAt} ${r.metadataType}`;
    if (!byKey.has(key)) byKey.set(key, r);
  }
  const unique = [...byKey.values()];
  if (unique.length === 0) return 0;
  return affected(db, INSERT, [
    unique.map((r) => r.relayUrl),
    unique.map((r) => r.metadataId),
    unique.map((r) => r.metadataType),
    unique.map((r) => r.generatedAt),
  ]);
}

/**
 * Inserts check snapshots (first row of each (relay, generated_at, type) wins); the relay
 * and the metadata document must exist. Returns how many were new.
 */
export async function insertRelayMetadata(
  db: Queryable,
  rows: readonly RelayMetadata[],
): Promise<number> {
  return insertSnapshots(
    db,
    rows.map((r) => ({ ...r, metadataId: r.metadataId.toString("hex") })),
  );
}

/** One check result of a relay, as the monitor produces it. */
export interface RelayCheck {
  relay: Relay;
  type: MetadataType;
  data: unknown;
  generatedAt: number;
}

export interface RecordResult {
  relays: number;
  metadata: number;
  relayMetadata: number;
}

/** In one transaction: missing relays, then the documents, then the snapshots linking them. */
export async function recordRelayMetadata(
  db: TxCapable,
  checks: readonly RelayCheck[],
): Promise<RecordResult> {
  const docs = checks.map(toMetadataRow);
  const snapshots = checks.map((c, i) => ({
    relayUrl: c.relay.url,
    metadataId: docs[i]?.id ?? "",
    metadataType: c.type,
    generatedAt: c.generatedAt,
  }));
  return inTransaction(db, async (client) => {
    const relays = await insertRelays(
      client,
      checks.map((c) => c.relay),
    );
    const metadata = await insertMetadataRows(client, docs);
    const relayMetadata = await insertSnapshots(client, snapshots);
    return { relays, metadata, relayMetadata };
  });
}
