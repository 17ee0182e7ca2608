/**
 * Leases (table `lease`, migration 000006): how several processes of one service share its
 * items (relays to check or sync, candidates to probe) through PostgreSQL. A process holds an
 * item until `expires_at`; nobody else can take it before, and anybody can after, so the items
 * of a process that died are taken over once their leases run out. Taking is one upsert: a
 * row held by someone else is updated only when it has expired, and a racing taker waits for
 * the first one's transaction and then sees it held (ON CONFLICT DO UPDATE re-checks its WHERE
 * on the newest row version), so an item is never handed to two holders. A holder names its
 * host and pid (leaseHolder), so a process restarted on the same host can tell its dead
 * predecessor's leases from a live neighbour's and take them at once (expireDeadHolders).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Db } from "./pool.js";
import { affected, any } from "./sql.js";

export interface LeaseRequest {
  service: string;
  /** Who takes them (unique per process: host, pid and a random part). */
  holder: string;
  items: readonly string[];
  /** Seconds the lease lasts from `now`. */
  ttl: number;
  /** Unix seconds. */
  now: number;
}

const TAKE = `
  INSERT INTO lease (service, item, holder, expires_at)
  SELECT DISTINCT $1::text, u.item, $2::text, $3::bigint + $4::bigint
  FROM unnest($5::text[]) AS u(item)
  ORDER BY 2
  ON CONFLICT (service, item) DO UPDATE
  SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
  WHERE lease.expires_at <= $3::bigint OR lease.holder = EXCLUDED.holder
  RETURNING item`;

/**
 * Takes the items that are free (never leased, expired, or already this holder's, which are
 * extended); returns the ones taken. Items are locked in sorted order (no deadlock).
 */
export async function acquireLeases(db: Db, request: LeaseRequest): Promise<Set<string>> {
  if (request.items.length === 0) return new Set();
  const rows = await any<{ item: string }>(db, TAKE, [
    request.service,
    request.holder,
    request.now,
    request.ttl,
    [...request.items],
  ]);
  return new Set(rows.map((r) => r.item));
}

/**
 * Extends this holder's leases on `items`; returns those still held (others were lost).
 */
export async function renewLeases(db: Db, request: LeaseRequest): Promise<Set<string>> {
  if (request.items.length === 0) return new Set();
  const rows = await any<{ item: string }>(
    db,
    `UPDATE lease SET expires_at = $3::bigint + $4::bigint
     WHERE service = $1 AND holder = $2 AND item = ANY($5::text[]) AND expires_at > $3::bigint
     RETURNING item`,
    [request.service, request.holder, request.now, request.ttl, [...request.items]],
  );
  return new Set(rows.map((r) => r.item));
}

/** Gives up this holder's leases on `items` (all of them when absent); returns how many. */
export async function releaseLeases(
  db: Db,
  service: string,
  holder: string,
  items?: readonly string[],
): Promise<number> {
  return affected(
    db,
    `DELETE FROM lease WHERE service = $1 AND holder = $2
       AND ($3::text[] IS NULL OR item = ANY($3::text[]))`,
    [service, holder, items === undefined ? null : [...items]],
  );
}

/**
 * Deletes leases that expired before `now`, of one service or of all (housekeeping; expired
 * rows are harmless).
 */
export async function deleteExpiredLeases(db: Db, now: number, service?: string): Promise<number> {
  return affected(
    db,
    "DELETE FROM lease WHERE expires_at <= $1 AND ($2::text IS NULL OR service = $2)",
    [now, service ?? null],
  );
}

/** A process's lease holder name: `host:pid:random` (random: a restarted pid is another holder). */
export function leaseHolder(host = hostname()): string {
  return `${host}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/** The host and pid a holder name carries, or null for a name not made by leaseHolder. */
function holderProcess(holder: string): { host: string; pid: number } | null {
  const m = /^(.+):(\d+):[^:]+$/.exec(holder);
  const pid = Number(m?.[2]);
  return m?.[1] !== undefined && pid > 0 ? { host: m[1], pid } : null;
}

/** Whether a process of this host runs with that pid (one we may not signal runs too). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Expires the leases of `service` whose holder names this host (the host of `holder`) and a
 * process that no longer runs here: a restarted process takes its dead predecessor's items at
 * once instead of waiting for their TTL. Leases of live processes and of other hosts (whose
 * pids mean nothing here) are left alone. Returns how many leases were expired.
 */
export async function expireDeadHolders(
  db: Db,
  service: string,
  holder: string,
  now: number,
): Promise<number> {
  const me = holderProcess(holder);
  if (me === null) return 0;
  const rows = await any<{ holder: string }>(
    db,
    `SELECT DISTINCT holder FROM lease
     WHERE service = $1 AND starts_with(holder, $2) AND expires_at > $3`,
    [service, `${me.host}:`, now],
  );
  const dead = rows
    .map((r) => r.holder)
    .filter((h) => {
      const other = h === holder ? null : holderProcess(h);
      return other !== null && other.host === me.host && !pidAlive(other.pid);
    });
  if (dead.length === 0) return 0;
  return affected(
    db,
    "UPDATE lease SET expires_at = $3 WHERE service = $1 AND holder = ANY($2::text[]) AND expires_at > $3",
    [service, dead, now],
  );
}
