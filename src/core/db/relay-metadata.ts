import { buildMetadata, type Metadata } from "../../models/metadata.js";
import type { MetadataType } from "../../models/metadata-type.js";
import type { Relay } from "../../models/relay.js";
import type { RelayMetadata } from "../../models/relay-metadata.js";
import type { ServiceState } from "../../models/service-state.js";
import type { CleanupOptions } from "./batched-delete.js";
import { insertMetadataRows } from "./metadata.js";
import type { Db } from "./pool.js";
import { relayIdsByUrl, upsertRelayIds } from "./relays.js";
import { upsertServiceState } from "./service-state/rows.js";
import { affected, uniqueBy } from "./sql.js";
import { transaction } from "./transaction.js";

const INSERT = `
  INSERT INTO relay_metadata (relay_id, metadata_id, metadata_type, generated_at)
  SELECT u.relay_id, u.metadata_id, u.metadata_type, u.generated_at
  FROM unnest($1::int[], $2::bytea[], $3::text[], $4::bigint[])
       AS u(relay_id, metadata_id, metadata_type, generated_at)
  ORDER BY 1, 4, 3
  ON CONFLICT (relay_id, generated_at, metadata_type) DO NOTHING`;

async function insertSnapshots(
  db: Db,
  rows: readonly RelayMetadata[],
  ids: ReadonlyMap<string, number>,
): Promise<number> {
  const unique = uniqueBy(rows, (r) => `${r.relayUrl} ${r.generatedAt} ${r.metadataType}`);
  if (unique.length === 0) return 0;
  return affected(db, INSERT, [
    unique.map((r) => ids.get(r.relayUrl) ?? null),
    unique.map((r) => r.metadataId),
    unique.map((r) => r.metadataType),
    unique.map((r) => r.generatedAt),
  ]);
}

/**
 * Inserts check snapshots (first row of each (relay, generated_at, type) wins); the relay
 * and the metadata document must exist (an unknown relay fails with a not-null violation, a
 * missing document with ForeignKeyViolation). Returns how many were new.
 * @public snapshots of existing documents (tests; the monitor uses recordRelayMetadata)
 */
export async function insertRelayMetadata(db: Db, rows: readonly RelayMetadata[]): Promise<number> {
  const ids = await relayIdsByUrl(
    db,
    rows.map((r) => r.relayUrl),
  );
  return insertSnapshots(db, rows, ids);
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

export interface RecordOptions {
  /**
   * Progress rows written in the same transaction (the monitor's per-relay checkpoints):
   * they commit with the history they stand for, or not at all.
   */
  checkpoints?: readonly ServiceState[];
  /** updated_at of the checkpoints (unix seconds; default the server's clock). */
  now?: number;
  /**
   * Runs last in the same transaction, given the relays' ids by URL (the monitor's change
   * detection: it commits with the history it was computed from, or not at all).
   */
  within?: (client: Db, relayIds: ReadonlyMap<string, number>) => Promise<void>;
}

/**
 * In one transaction: missing relays, then the content-addressed documents, then the
 * snapshots linking them, then the checkpoints. Returns how many rows of each were new.
 */
export async function recordRelayMetadata(
  db: Db,
  checks: readonly RelayCheck[],
  options: RecordOptions = {},
): Promise<RecordResult> {
  const docs: Metadata[] = [];
  const snapshots: RelayMetadata[] = [];
  for (const c of checks) {
    const doc = buildMetadata(c.type, c.data);
    docs.push(doc);
    snapshots.push({
      relayUrl: c.relay.url,
      metadataId: doc.id,
      metadataType: c.type,
      generatedAt: c.generatedAt,
    });
  }
  return transaction(db, async (client) => {
    const relays = await upsertRelayIds(
      client,
      checks.map((c) => c.relay),
    );
    const metadata = await insertMetadataRows(client, docs);
    const relayMetadata = await insertSnapshots(client, snapshots, relays.ids);
    if (options.checkpoints?.length) {
      const when = options.now === undefined ? {} : { now: options.now };
      await upsertServiceState(client, options.checkpoints, when);
    }
    await options.within?.(client, relays.ids);
    return { relays: relays.inserted, metadata, relayMetadata };
  });
}

/**
 * What retention keeps of check history older than its horizon: `downsample` the newest
 * snapshot of each relay, type and UTC day; `drop` only each relay's newest of each type.
 * Both always keep the newest snapshot of each relay and type.
 */
export type HistoryPolicy = "downsample" | "drop";

// $1..$2 = [from, before) in unix seconds, $3 = most rows. Relay by relay through
// relay_metadata_pkey (relay_id, generated_at, metadata_type); the newest of a type through
// relay_metadata_latest_idx.
const DOOMED: Record<HistoryPolicy, string> = {
  downsample: `
    SELECT x.relay_id, x.generated_at, x.metadata_type FROM relay r CROSS JOIN LATERAL (
      SELECT y.relay_id, y.generated_at, y.metadata_type,
        row_number() OVER (PARTITION BY y.metadata_type, y.generated_at / 86400
                           ORDER BY y.generated_at DESC) AS n
      FROM relay_metadata y
      WHERE y.relay_id = r.id AND y.generated_at >= $1 AND y.generated_at < $2
    ) x
    WHERE x.n > 1`,
  drop: `
    SELECT y.relay_id, y.generated_at, y.metadata_type FROM relay r CROSS JOIN LATERAL (
      SELECT y.relay_id, y.generated_at, y.metadata_type FROM relay_metadata y
      WHERE y.relay_id = r.id AND y.generated_at >= $1 AND y.generated_at < $2
        AND EXISTS (SELECT 1 FROM relay_metadata z WHERE z.relay_id = y.relay_id
                    AND z.metadata_type = y.metadata_type AND z.generated_at > y.generated_at)
    ) y`,
};

const thinning = (policy: HistoryPolicy) => `
  DELETE FROM relay_metadata rm USING (${DOOMED[policy]} LIMIT $3) d
  WHERE rm.relay_id = d.relay_id AND rm.generated_at = d.generated_at
    AND rm.metadata_type = d.metadata_type`;

export interface ThinOptions extends CleanupOptions {
  policy: HistoryPolicy;
  /** The snapshots generated in [from, before) (unix seconds) are thinned. */
  from: number;
  before: number;
}

/**
 * Deletes old check snapshots by `policy`, batchSize (default 10,000) per statement, until a
 * batch finds fewer; returns how many. The documents left without snapshots are the monitor's
 * orphan-metadata cleanup's to delete.
 */
export async function thinRelayMetadata(db: Db, options: ThinOptions): Promise<number> {
  const size = options.batchSize ?? 10_000;
  const sql = thinning(options.policy);
  let total = 0;
  while (!options.signal?.aborted) {
    const deleted = await affected(db, sql, [options.from, options.before, size]);
    total += deleted;
    if (deleted < size) break;
  }
  return total;
}
