/**
 * The archive's storing transactions against the cluster's counter. The finder and the
 * statistics walk rows by `stored_xid` (000005, 000008); a dump restored into a new cluster
 * brings the old cluster's ids while the new one numbers from the start, so every row stored
 * after the restore would sort below the restored ones and never be walked. Refused at start,
 * with the numbers the fix needs (docs/deployment.md, "Backups").
 */
import { MigrationError } from "./errors.js";
import type { Db } from "./pool.js";
import { one } from "./sql.js";

// Each max() is a backward scan of its stored_xid index (per partition for event and
// event_relay); the snapshot's xmax is the next id to be assigned, taken without assigning one
// (least-privilege roles, read-only sessions).
const HORIZON_SQL = `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next,
  greatest(
    (SELECT max(stored_xid) FROM event),
    (SELECT max(stored_xid) FROM event_relay),
    (SELECT max(stored_xid) FROM relay_metadata))::text AS newest`;

export interface XidHorizon {
  /** The next transaction id this cluster will assign. */
  next: bigint;
  /** The newest storing transaction of any archived row (0 when empty). */
  newest: bigint;
}

export async function readXidHorizon(db: Db): Promise<XidHorizon> {
  const row = await one<{ next: string; newest: string | null }>(db, HORIZON_SQL);
  return { next: BigInt(row.next), newest: BigInt(row.newest ?? "0") };
}

/** Throws when archived rows carry transaction ids this cluster has not reached. */
export async function checkXidHorizon(db: Db): Promise<void> {
  const { next, newest } = await readXidHorizon(db);
  if (newest < next) return;
  const target = newest + 1n;
  throw new MigrationError(
    `archived rows were stored by transaction ${newest}, but this cluster's next transaction is ${next}: ` +
      "the database was restored from another cluster, and rows stored from now on would never be " +
      "walked by the finder or counted by the statistics. Stop PostgreSQL, move its counter past the " +
      `old one (pg_resetwal -e ${target >> 32n} -x ${target & 0xffffffffn} <data dir>, see ` +
      "docs/deployment.md, Backups), then start again",
    undefined,
  );
}
