import type { Db } from "../pool.js";
import { any, exec } from "../sql.js";

/**
 * stats_relay_check: what the statistics show of each relay's checks (RTT averages over its
 * 10 newest, its newest NIP-11 document), computed by relay_check_summary() (migration 000008)
 * for the relays whose history changed. Computing it again from the table as it is now is
 * idempotent, so a relay counted twice costs time, never exactness.
 */

// $1, $2 = the chunk's [from, to) as xid8 text.
const STORED = `
  SELECT DISTINCT relay_id FROM relay_metadata
  WHERE stored_xid >= $1::text::xid8 AND stored_xid < $2::text::xid8`;

const TOUCHED = "DELETE FROM stats_touched_relay RETURNING relay_id";

// $1 = relay ids. A relay without any check (or deleted) loses its row.
const DROP = `
  DELETE FROM stats_relay_check c USING unnest($1::int[]) AS t(relay_id)
  WHERE c.relay_id = t.relay_id
    AND NOT EXISTS (SELECT 1 FROM relay_metadata rm WHERE rm.relay_id = t.relay_id)`;
const UPSERT = `
  INSERT INTO stats_relay_check AS c (relay_id, avg_rtt_open, avg_rtt_read, avg_rtt_write,
    nip11_name, nip11_software, nip11_version, nips)
  SELECT t.relay_id, s.* FROM unnest($1::int[]) AS t(relay_id)
  CROSS JOIN LATERAL relay_check_summary(t.relay_id) s
  WHERE EXISTS (SELECT 1 FROM relay_metadata rm WHERE rm.relay_id = t.relay_id)
  ORDER BY 1
  ON CONFLICT (relay_id) DO UPDATE SET avg_rtt_open = excluded.avg_rtt_open,
    avg_rtt_read = excluded.avg_rtt_read, avg_rtt_write = excluded.avg_rtt_write,
    nip11_name = excluded.nip11_name, nip11_software = excluded.nip11_software,
    nip11_version = excluded.nip11_version, nips = excluded.nips`;

async function recompute(db: Db, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  await exec(db, DROP, [ids]);
  await exec(db, UPSERT, [ids]);
  return ids.length;
}

/** Relays with check snapshots stored by transactions in [from, to): computed again. */
export async function refreshStoredChecks(db: Db, from: string, to: string): Promise<number> {
  const rows = await any<{ relay_id: number }>(db, STORED, [from, to]);
  return recompute(
    db,
    rows.map((r) => r.relay_id),
  );
}

/** Relays whose history lost rows (retention, deletes): computed again. */
export async function refreshTouchedChecks(db: Db): Promise<number> {
  const rows = await any<{ relay_id: number }>(db, TOUCHED);
  return recompute(db, [...new Set(rows.map((r) => r.relay_id))]);
}
