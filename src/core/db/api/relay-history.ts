/**
 * One relay's up/down and RTT series from the monitor's nip66_rtt history (one point per
 * check), oldest first, in keyset pages on generated_at; relay_metadata_latest_idx serves the
 * range (relay_id, 'nip66_rtt', generated_at).
 */
import type { Db } from "../pool.js";
import { any } from "../sql.js";

export interface RttPoint {
  /** When the check ran (unix seconds). */
  t: number;
  up: boolean;
  rttOpen: number | null;
  rttRead: number | null;
  rttWrite: number | null;
}

export interface RttHistoryOptions {
  /** Checks at or after (unix seconds). */
  since: number;
  /** Checks at or before. */
  until: number;
  /** Keyset: only checks after this time (the last point of the previous page). */
  after?: number;
  limit: number;
}

interface Row {
  t: number;
  up: boolean;
  rtt_open: unknown;
  rtt_read: unknown;
  rtt_write: unknown;
}

const HISTORY = `
  SELECT rm.generated_at AS t, relay_up(m.data) AS up, m.data -> 'data' -> 'rtt_open' AS rtt_open,
    m.data -> 'data' -> 'rtt_read' AS rtt_read, m.data -> 'data' -> 'rtt_write' AS rtt_write
  FROM relay_metadata rm
  JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
  WHERE rm.relay_id = (SELECT id FROM relay WHERE url = $1)
    AND rm.metadata_type = 'nip66_rtt'
    AND rm.generated_at >= $2 AND rm.generated_at <= $3 AND rm.generated_at > $4
  ORDER BY rm.generated_at
  LIMIT $5`;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** One page of the relay's RTT checks in [since, until], oldest first. */
export async function readRttHistory(
  db: Db,
  url: string,
  options: RttHistoryOptions,
): Promise<RttPoint[]> {
  const rows = await any<Row>(db, HISTORY, [
    url,
    options.since,
    options.until,
    options.after ?? -1,
    options.limit,
  ]);
  return rows.map((r) => ({
    t: r.t,
    up: r.up,
    rttOpen: num(r.rtt_open),
    rttRead: num(r.rtt_read),
    rttWrite: num(r.rtt_write),
  }));
}
