/**
 * Stored relay changes (relay-changes.ts owns the table), read by id: the API's live feed
 * (GET /v1/stream, its Last-Event-ID resume), a relay's change history and the explorer.
 */
import type { Network } from "../../../models/network.js";
import type { ChangeKind, RelayChange } from "../../../models/relay-change.js";
import type { Db } from "../pool.js";
import { any } from "../sql.js";

interface Row {
  id: string;
  url: string;
  network: Network;
  kind: ChangeKind;
  checked_at: string;
  recorded_at: string;
  evidence: Record<string, unknown>;
}

const COLUMNS = `c.id, r.url, r.network, c.kind, c.checked_at, c.recorded_at, c.evidence
  FROM relay_change c JOIN relay r ON r.id = c.relay_id`;

const toChange = (r: Row): RelayChange => ({
  id: Number(r.id),
  relayUrl: r.url,
  network: r.network,
  kind: r.kind,
  checkedAt: Number(r.checked_at),
  recordedAt: Number(r.recorded_at),
  evidence: r.evidence,
});

const AFTER = {
  name: "relay_changes_after",
  text: `SELECT ${COLUMNS} WHERE c.id > $1 ORDER BY c.id LIMIT $2`,
};

/** Changes with an id above `afterId`, oldest first, at most `limit`. */
export async function changesAfter(db: Db, afterId: number, limit: number): Promise<RelayChange[]> {
  return (await any<Row>(db, AFTER, [afterId, limit])).map(toChange);
}

const NEWEST_AFTER = `
  SELECT * FROM (SELECT ${COLUMNS} WHERE c.id > $1 ORDER BY c.id DESC LIMIT $2) x ORDER BY id`;

/** The newest `limit` changes with an id above `afterId`, oldest first. */
export async function newestChangesAfter(
  db: Db,
  afterId: number,
  limit: number,
): Promise<RelayChange[]> {
  return (await any<Row>(db, NEWEST_AFTER, [afterId, limit])).map(toChange);
}

/** The id of the newest change (0 when none). */
export async function newestChangeId(db: Db): Promise<number> {
  const rows = await any<{ id: string | null }>(db, "SELECT max(id) AS id FROM relay_change");
  return Number(rows[0]?.id ?? 0);
}

const RECENT = `
  SELECT ${COLUMNS}
  WHERE ($1::text IS NULL OR r.url = $1) AND ($2::bigint IS NULL OR c.id < $2)
  ORDER BY c.id DESC LIMIT $3`;

/** The newest changes (of one relay when `relayUrl` is given), newest first, before id `before`. */
export async function recentChanges(
  db: Db,
  options: { relayUrl?: string; before?: number; limit: number },
): Promise<RelayChange[]> {
  const params = [options.relayUrl ?? null, options.before ?? null, options.limit];
  return (await any<Row>(db, RECENT, params)).map(toChange);
}
