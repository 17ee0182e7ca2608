import type { Db } from "../pool.js";
import { any, exec, one } from "../sql.js";
import { deleteServiceState, documentInt } from "./rows.js";
import { SYNCHRONIZER } from "./services.js";

/**
 * Why the synchronizer's last run on a relay failed, for `bigbrotr status`: a `checkpoint` row
 * of the synchronizer keyed `failure:<url>`, value `{ reason, at, count }` (count: runs failed
 * in a row). Written when a run fails for the relay's reason (not the database's, not a
 * shutdown), deleted by the next run that does not fail. It is kept apart from the relay's
 * cursor, which says only what was archived (a relay that never served anything has none).
 * This file is the document's one owner: its keys, writer, parser and readers.
 */
const PREFIX = "failure:";

/** The stored keys, spelled once. */
const KEY = { reason: "reason", at: "at", count: "count" } as const;

/** Longest reason kept. */
const MAX_REASON_LENGTH = 300;

export interface SyncFailure {
  url: string;
  reason: string;
  /** Unix seconds of the last failed run. */
  at: number;
  /** Runs failed in a row. */
  count: number;
}

const RECORD = `
  INSERT INTO service_state AS s (service_name, state_type, state_key, state_value, updated_at)
  VALUES ($1, 'checkpoint', $2, jsonb_build_object($4::text, $3::text, $5::text, $7::bigint,
          $6::text, 1), $7::bigint)
  ON CONFLICT (service_name, state_type, state_key) DO UPDATE
  SET state_value = jsonb_build_object($4::text, $3::text, $5::text, $7::bigint,
        $6::text, ${documentInt("s.state_value", KEY.count, 0)} + 1),
      updated_at = EXCLUDED.updated_at`;

/** Records a failed run on `url` (one more in a row). */
export async function recordSyncFailure(
  db: Db,
  url: string,
  reason: string,
  now: number,
): Promise<void> {
  const text = reason.slice(0, MAX_REASON_LENGTH);
  await exec(db, RECORD, [SYNCHRONIZER, PREFIX + url, text, KEY.reason, KEY.at, KEY.count, now]);
}

/** Forgets the failures of these relays (their run just succeeded); returns how many existed. */
export function clearSyncFailures(db: Db, urls: readonly string[]): Promise<number> {
  const keys = urls.map((u) => PREFIX + u);
  return deleteServiceState(db, SYNCHRONIZER, "checkpoint", keys);
}

const ROWS = `FROM service_state
  WHERE service_name = $1 AND state_type = 'checkpoint' AND starts_with(state_key, $2)`;

/** The relays whose last run failed. */
export async function failingRelays(db: Db): Promise<Set<string>> {
  const rows = await any<{ key: string }>(db, `SELECT state_key AS key ${ROWS}`, [
    SYNCHRONIZER,
    PREFIX,
  ]);
  return new Set(rows.map((r) => r.key.slice(PREFIX.length)));
}

function parseFailure(key: string, v: Record<string, unknown>): SyncFailure {
  const reason = v[KEY.reason];
  const number = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? Math.trunc(x) : 0);
  return {
    url: key.slice(PREFIX.length),
    reason: typeof reason === "string" ? reason : "",
    at: number(v[KEY.at]),
    count: number(v[KEY.count]),
  };
}

/** How many relays' last run failed, and the `limit` most recent of them. */
export async function readSyncFailures(
  db: Db,
  limit: number,
): Promise<{ total: number; relays: SyncFailure[] }> {
  const total = await one<{ n: number }>(db, `SELECT count(*)::int AS n ${ROWS}`, [
    SYNCHRONIZER,
    PREFIX,
  ]);
  const rows = await any<{ key: string; value: Record<string, unknown> }>(
    db,
    `SELECT state_key AS key, state_value AS value ${ROWS} ORDER BY updated_at DESC, state_key
     LIMIT $3`,
    [SYNCHRONIZER, PREFIX, limit],
  );
  return { total: total.n, relays: rows.map((r) => parseFailure(r.key, r.value)) };
}
