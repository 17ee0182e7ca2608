/**
 * The monitor's position in the walk of archived events for other monitors' NIP-66 events
 * (its peers phase): one `cursor` row (`peers`) of service_state. This file is its one owner:
 * type, key, tolerant parser and statements.
 */
import type { ScanPosition } from "../event-scan.js";
import type { Db } from "../pool.js";
import { getServiceState, upsertServiceState } from "./rows.js";
import { MONITOR } from "./services.js";

const PEER_CURSOR_KEY = "peers";

const KEY = { xid: "xid", id: "id" } as const satisfies Record<keyof ScanPosition, string>;

export const PEER_CURSOR_START: ScanPosition = { xid: "0", id: "" };

function parsePeerCursor(value: Record<string, unknown> | undefined): ScanPosition | null {
  const xid = value?.[KEY.xid];
  const id = value?.[KEY.id];
  if (typeof xid !== "string" || !/^\d{1,20}$/.test(xid)) return null;
  if (typeof id !== "string" || !/^[0-9a-f]*$/.test(id)) return null;
  return { xid, id };
}

/** The stored cursor, or the start of the archive when there is none (or it is malformed). */
export async function readPeerCursor(db: Db): Promise<ScanPosition> {
  const [row] = await getServiceState(db, MONITOR, "cursor", PEER_CURSOR_KEY);
  return parsePeerCursor(row?.stateValue) ?? PEER_CURSOR_START;
}

export async function writePeerCursor(db: Db, cursor: ScanPosition, now: number): Promise<void> {
  const stateValue = { [KEY.xid]: cursor.xid, [KEY.id]: cursor.id };
  await upsertServiceState(
    db,
    [{ serviceName: MONITOR, stateType: "cursor", stateKey: PEER_CURSOR_KEY, stateValue }],
    { now },
  );
}
