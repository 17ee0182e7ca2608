/**
 * Owner of relay_change and relay_change_state (migration 000013, docs/changes.md): the
 * detection state of relays locked and saved inside the monitor's history transaction, the
 * changes stored once by (relay, kind, check time), the validator's `relay_added`, retention.
 * The feed's reads (the API's only) are in api/relay-changes.ts.
 */
import type { DetectedChange } from "../../models/relay-change.js";
import type { Db } from "./pool.js";
import { type ChangeState, parseChangeState } from "./relay-change-state.js";
import { affected, any } from "./sql.js";

/** A relay's detection state and the check it is as of (-1: none yet). */
export interface StoredChangeState {
  checkedAt: number;
  state: ChangeState;
}

const ENSURE = `
  INSERT INTO relay_change_state (relay_id, checked_at, state)
  SELECT id, -1, '{}'::jsonb FROM unnest($1::int[]) AS u(id) ORDER BY 1
  ON CONFLICT (relay_id) DO NOTHING`;

const LOCK = `
  SELECT relay_id, checked_at, state FROM relay_change_state
  WHERE relay_id = ANY($1::int[]) ORDER BY relay_id FOR UPDATE`;

/**
 * The detection states of `relayIds`, locked until the caller's transaction ends (call it in
 * one): a replica evaluating the same relay waits, then sees what this one saved.
 */
export async function lockChangeStates(
  db: Db,
  relayIds: readonly number[],
): Promise<Map<number, StoredChangeState>> {
  const ids = [...new Set(relayIds)].sort((a, b) => a - b);
  if (ids.length === 0) return new Map();
  await affected(db, ENSURE, [ids]);
  const rows = await any<{ relay_id: number; checked_at: string; state: unknown }>(db, LOCK, [ids]);
  return new Map(
    rows.map((r) => [
      r.relay_id,
      { checkedAt: Number(r.checked_at), state: parseChangeState(r.state) },
    ]),
  );
}

const SAVE = `
  UPDATE relay_change_state s SET checked_at = u.checked_at, state = u.state
  FROM unnest($1::int[], $2::bigint[], $3::jsonb[]) AS u(relay_id, checked_at, state)
  WHERE s.relay_id = u.relay_id`;

export async function saveChangeStates(
  db: Db,
  rows: ReadonlyMap<number, StoredChangeState>,
): Promise<void> {
  if (rows.size === 0) return;
  const entries = [...rows];
  await affected(db, SAVE, [
    entries.map(([id]) => id),
    entries.map(([, s]) => s.checkedAt),
    entries.map(([, s]) => JSON.stringify(s.state)),
  ]);
}

const INSERT = `
  INSERT INTO relay_change (relay_id, kind, checked_at, recorded_at, evidence)
  SELECT r.id, u.kind, u.checked_at, $5, u.evidence
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::jsonb[])
       AS u(url, kind, checked_at, evidence)
  JOIN relay r ON r.url = u.url
  ORDER BY r.id, u.kind, u.checked_at
  ON CONFLICT (relay_id, kind, checked_at) DO NOTHING
  RETURNING id, relay_id, kind, checked_at`;

/** A change as stored: its id and relay id. */
export interface InsertedChange {
  id: number;
  relayId: number;
  kind: string;
  checkedAt: number;
}

/** Stores changes (one per relay, kind and check time); returns those that were new. */
export async function insertChanges(
  db: Db,
  changes: readonly DetectedChange[],
  now: number,
): Promise<InsertedChange[]> {
  if (changes.length === 0) return [];
  const rows = await any<{ id: string; relay_id: number; kind: string; checked_at: string }>(
    db,
    INSERT,
    [
      changes.map((c) => c.relayUrl),
      changes.map((c) => c.kind),
      changes.map((c) => c.checkedAt),
      changes.map((c) => JSON.stringify(c.evidence)),
      now,
    ],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    relayId: r.relay_id,
    kind: r.kind,
    checkedAt: Number(r.checked_at),
  }));
}

const ADDED = `
  INSERT INTO relay_change (relay_id, kind, checked_at, recorded_at, evidence)
  SELECT id, 'relay_added', discovered_at, $2, jsonb_build_object('network', network)
  FROM relay WHERE url = ANY($1::text[]) ORDER BY id
  ON CONFLICT (relay_id, kind, checked_at) DO NOTHING`;

/**
 * A `relay_added` for each of `urls` that is a relay (keyed by its discovered_at, so a relay
 * promoted twice is added once); returns how many were new.
 */
export async function insertRelaysAdded(
  db: Db,
  urls: readonly string[],
  now: number,
): Promise<number> {
  if (urls.length === 0) return 0;
  return affected(db, ADDED, [[...urls], now]);
}

const EXPIRED = `
  DELETE FROM relay_change WHERE id IN (
    SELECT id FROM relay_change WHERE recorded_at < $1 ORDER BY recorded_at LIMIT $2)`;

/** Deletes changes stored before `before` (unix seconds), in batches; returns how many. */
export async function deleteChangesBefore(
  db: Db,
  before: number,
  batchSize = 10_000,
): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await affected(db, EXPIRED, [before, batchSize]);
    total += n;
    if (n < batchSize) return total;
  }
}
