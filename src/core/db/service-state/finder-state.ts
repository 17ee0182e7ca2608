/**
 * The finder's saved state in service_state: one `cursor` row (`events`), its position in the
 * walk of events in storing order, and one `checkpoint` row per API source URL, its last
 * successful fetch (the `{ timestamp }` document of monitor-checkpoint.ts). This file is
 * their one owner: type, keys, tolerant parser, row builder and every statement on them.
 */
import type { Db } from "../pool.js";
import { checkpointRow, parseCheckpoint } from "./monitor-checkpoint.js";
import { deleteServiceState, getServiceState, upsertServiceState } from "./rows.js";
import { FINDER } from "./services.js";

/** state_key of the one event cursor (state_type 'cursor'). */
const EVENT_CURSOR_KEY = "events";

/** Position in the global walk of events in storing order: (stored_xid, event id). */
export interface FinderCursor {
  /** xid8 of the storing transaction, decimal ("0" before the first event). */
  xid: string;
  /** Lower-case hex; "" before the first event. */
  id: string;
  /** Kinds scanned so far (null = all); events of other kinds before the cursor were skipped. */
  kinds: readonly number[] | null;
}

/** The stored keys, spelled once: the writer and the parser below use them. */
const KEY = { xid: "xid", id: "id", kinds: "kinds" } as const satisfies Record<
  keyof FinderCursor,
  string
>;

const isSourceKey = (key: string) => /^https?:\/\//.test(key);

function asKinds(value: unknown): readonly number[] | null {
  return Array.isArray(value) && value.every((k) => Number.isInteger(k)) ? value : null;
}

/** A stored cursor, or null when it is not one of ours (missing or malformed). */
function parseFinderCursor(value: Record<string, unknown> | undefined): FinderCursor | null {
  if (value === undefined) return null;
  // A cursor of the time-ordered walk before schema v2 ({ timestamp }) is not ours: start over.
  const xid = value[KEY.xid];
  const id = value[KEY.id];
  if (typeof xid !== "string" || !/^\d{1,20}$/.test(xid)) return null;
  if (typeof id !== "string" || !/^[0-9a-f]*$/.test(id)) return null;
  return { xid, id, kinds: asKinds(value[KEY.kinds]) };
}

/** The stored cursor, or null when there is none (or it is not one of ours). */
export async function readFinderCursor(db: Db): Promise<FinderCursor | null> {
  const [row] = await getServiceState(db, FINDER, "cursor", EVENT_CURSOR_KEY);
  return parseFinderCursor(row?.stateValue);
}

export async function writeFinderCursor(db: Db, cursor: FinderCursor, now: number): Promise<void> {
  const stateValue = { [KEY.xid]: cursor.xid, [KEY.id]: cursor.id, [KEY.kinds]: cursor.kinds };
  await upsertServiceState(
    db,
    [{ serviceName: FINDER, stateType: "cursor", stateKey: EVENT_CURSOR_KEY, stateValue }],
    { now },
  );
}

/** Last successful fetch time per API source URL. */
export async function readSourceCheckpoints(db: Db): Promise<Map<string, number>> {
  const rows = await getServiceState(db, FINDER, "checkpoint");
  const checkpoints = new Map<string, number>();
  for (const { stateKey, stateValue } of rows) {
    const timestamp = parseCheckpoint(stateValue);
    if (isSourceKey(stateKey) && timestamp !== null) checkpoints.set(stateKey, timestamp);
  }
  return checkpoints;
}

export async function writeSourceCheckpoint(db: Db, url: string, now: number): Promise<void> {
  await upsertServiceState(db, [checkpointRow(FINDER, url, now)], { now });
}

/**
 * Drops checkpoints of API sources that are no longer configured (keys that are http(s) URLs;
 * other checkpoints, such as the runtime's `last_cycle`, are left alone) and every cursor but
 * the event cursor (e.g. per-relay cursors imported from the original). Returns the count.
 */
export async function deleteStaleFinderState(
  db: Db,
  configuredSources: readonly string[],
): Promise<number> {
  const configured = new Set(configuredSources);
  const checkpoints = (await getServiceState(db, FINDER, "checkpoint"))
    .map((r) => r.stateKey)
    .filter((key) => isSourceKey(key) && !configured.has(key));
  const cursors = (await getServiceState(db, FINDER, "cursor"))
    .map((r) => r.stateKey)
    .filter((key) => key !== EVENT_CURSOR_KEY);
  return (
    (await deleteServiceState(db, FINDER, "checkpoint", checkpoints)) +
    (await deleteServiceState(db, FINDER, "cursor", cursors))
  );
}
