/**
 * Stored relay changes (relay-changes.ts owns the table), read by id: the API's live feed
 * (GET /v1/stream, its Last-Event-ID resume), a relay's change history and the explorer.
 */
import type { RelayChange } from "../../../models/relay-change.js";
import type { Db } from "../pool.js";
import {
  RELAY_CHANGE_COLUMNS,
  type RelayChangeRow as Row,
  toRelayChange as toChange,
} from "../relay-change-row.js";
import { any } from "../sql.js";

const COLUMNS = `${RELAY_CHANGE_COLUMNS} FROM relay_change c JOIN relay r ON r.id = c.relay_id`;

const AFTER = {
  name: "relay_changes_after",
  text: `SELECT ${COLUMNS} WHERE c.id > $1 ORDER BY c.id LIMIT $2`,
};

/** Changes with an id above `afterId`, oldest first, at most `limit`. */
export async function changesAfter(db: Db, afterId: number, limit: number): Promise<RelayChange[]> {
  return (await any<Row>(db, AFTER, [afterId, limit])).map(toChange);
}

const NEWEST_AFTER = `
  SELECT * FROM (SELECT ${COLUMNS} WHERE c.id > $1 ORDER BY c.id DESC LIMIT $2) x ORDER BY change_id`;

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
