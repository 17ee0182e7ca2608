import type { Db } from "../../core/db/pool.js";
import {
  deleteServiceState,
  getServiceState,
  upsertServiceState,
} from "../../core/db/service-state/rows.js";
import { FINDER } from "../../core/db/service-state/services.js";

/**
 * The finder's own state in service_state (through its owner, core/db/service-state):
 * one `cursor` row, the position of the event walk, and one `checkpoint` row per API source
 * URL, its last successful fetch.
 */
/** state_key of the one event cursor (state_type 'cursor'). */
export const EVENT_CURSOR_KEY = "events";

/** Position in the global walk of events in storing order: (stored_xid, event id). */
export interface EventCursor {
  /** xid8 of the storing transaction, decimal ("0" before the first event). */
  xid: string;
  /** Lower-case hex; "" before the first event. */
  id: string;
  /** Kinds scanned so far (null = all); events of other kinds before the cursor were skipped. */
  kinds: readonly number[] | null;
}

const isSourceKey = (key: string) => /^https?:\/\//.test(key);

function asKinds(value: unknown): readonly number[] | null {
  return Array.isArray(value) && value.every((k) => Number.isInteger(k)) ? value : null;
}

/** The stored cursor, or null when there is none (or it is not one of ours). */
export async function readEventCursor(db: Db): Promise<EventCursor | null> {
  const [row] = await getServiceState(db, FINDER, "cursor", EVENT_CURSOR_KEY);
  if (row === undefined) return null;
  // A cursor of the time-ordered walk before schema v2 ({ timestamp }) is not ours: start over.
  const { xid, id, kinds } = row.stateValue;
  if (typeof xid !== "string" || !/^\d{1,20}$/.test(xid)) return null;
  if (typeof id !== "string" || !/^[0-9a-f]*$/.test(id)) return null;
  return { xid, id, kinds: asKinds(kinds) };
}

export async function writeEventCursor(db: Db, cursor: EventCursor, now: number): Promise<void> {
  const stateValue = { xid: cursor.xid, id: cursor.id, kinds: cursor.kinds };
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
    const { timestamp } = stateValue;
    if (isSourceKey(stateKey) && typeof timestamp === "number") {
      checkpoints.set(stateKey, timestamp);
    }
  }
  return checkpoints;
}

export async function writeSourceCheckpoint(db: Db, url: string, now: number): Promise<void> {
  await upsertServiceState(
    db,
    [
      {
        serviceName: FINDER,
        stateType: "checkpoint",
        stateKey: url,
        stateValue: { timestamp: now },
      },
    ],
    { now },
  );
}

/**
 * Drops checkpoints of API sources that are no longer configured (keys that are http(s) URLs;
 * other checkpoints, such as the runtime's `last_cycle`, are left alone) and every cursor but
 * the event cursor (e.g. per-relay cursors imported from the original). Returns the count.
 */
export async function deleteStaleState(
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
