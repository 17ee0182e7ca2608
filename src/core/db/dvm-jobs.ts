/**
 * The DVM's job table (dvm_job, migration 000015; docs/dvm.md): every statement on it. A job
 * request is claimed by inserting its row (ON CONFLICT DO NOTHING) before any work, so one
 * replica works on it; the signed response (6xxx result or 7000 error) is kept, so a request
 * seen again after a restart is answered by publishing that event again. A claim older than
 * the caller's `staleAfter` (its holder died mid-job) may be taken over.
 */
import type { NostrEvent } from "../../models/event-types.js";
import type { Db } from "./pool.js";
import { any, exec, maybeOne, one } from "./sql.js";
import { transaction } from "./transaction.js";

export type DvmJobStatus = "claimed" | "done" | "failed" | "awaiting_payment";

export interface DvmJobClaim {
  requestId: string;
  kind: number;
  requester: string;
  /** The request's created_at. */
  createdAt: number;
  /** This process (its lease holder name). */
  holder: string;
  /** Unix seconds. */
  now: number;
  /** Seconds after which a claim without a response may be taken over. */
  staleAfter: number;
  /** The rate limit's window start: `recent` counts the requester's claims since then. */
  rateSince: number;
}

export type ClaimOutcome =
  /** `recent`: the requester's claims since rateSince, this one included, in claim order. */
  | { claimed: true; recent: number }
  | { claimed: false; status: DvmJobStatus; holder: string; response: NostrEvent | null };

const hex = (h: string) => Buffer.from(h, "hex");

const INSERT = `
  INSERT INTO dvm_job (request_id, kind, requester, created_at, status, holder, claimed_at)
  VALUES ($1::bytea, $2::int, $3::bytea, $6::bigint, 'claimed', $4::text, $5::bigint)
  ON CONFLICT (request_id) DO NOTHING
  RETURNING 1 AS ok`;

const TAKE_OVER = `
  UPDATE dvm_job SET holder = $2::text, claimed_at = $3::bigint
  WHERE request_id = $1::bytea AND status = 'claimed' AND claimed_at <= $3::bigint - $4::bigint
  RETURNING 1 AS ok`;

const READ = `SELECT status, holder, response FROM dvm_job WHERE request_id = $1::bytea`;

const LOCK = `SELECT pg_advisory_xact_lock(hashtextextended('dvm_job:' || $1::text, 0))`;
const RECENT = `
  SELECT count(*)::int AS n FROM dvm_job WHERE requester = $1::bytea AND claimed_at >= $2::bigint`;

/**
 * Claims a job: claimed when this holder is to work on it, with the requester's recent claims
 * (one lock per requester orders its claims across replicas, so the count is exact); else who
 * has it and its response.
 */
export async function claimDvmJob(db: Db, c: DvmJobClaim): Promise<ClaimOutcome> {
  return transaction(db, async (tx) => {
    await exec(tx, LOCK, [c.requester]);
    const claimed = await claimRow(tx, c);
    if (!claimed.claimed) return claimed;
    const row = await one<{ n: number }>(tx, RECENT, [hex(c.requester), c.rateSince]);
    return { claimed: true, recent: row.n };
  });
}

async function claimRow(
  db: Db,
  c: DvmJobClaim,
): Promise<{ claimed: true } | Exclude<ClaimOutcome, { claimed: true }>> {
  const id = hex(c.requestId);
  const inserted = await maybeOne(db, INSERT, [
    id,
    c.kind,
    hex(c.requester),
    c.holder,
    c.now,
    c.createdAt,
  ]);
  if (inserted !== null) return { claimed: true };
  const taken = await maybeOne(db, TAKE_OVER, [id, c.holder, c.now, c.staleAfter]);
  if (taken !== null) return { claimed: true };
  const row = await maybeOne<{ status: DvmJobStatus; holder: string; response: NostrEvent | null }>(
    db,
    READ,
    [id],
  );
  // Deleted by retention between the two statements: treat as answered long ago.
  if (row === null) return { claimed: false, status: "done", holder: "", response: null };
  return { claimed: false, status: row.status, holder: row.holder, response: row.response };
}

/**
 * Keeps the response of a job this holder claimed; false when the claim was lost meanwhile
 * (taken over), in which case the caller must not publish it.
 */
export async function finishDvmJob(
  db: Db,
  job: { requestId: string; holder: string; now: number },
  status: "done" | "failed" | "awaiting_payment",
  response: NostrEvent,
): Promise<boolean> {
  const row = await maybeOne(
    db,
    `UPDATE dvm_job SET status = $3::text, response = $4::jsonb, finished_at = $5::bigint
     WHERE request_id = $1::bytea AND holder = $2::text AND status = 'claimed'
     RETURNING 1 AS ok`,
    [hex(job.requestId), job.holder, status, JSON.stringify(response), job.now],
  );
  return row !== null;
}

/** The kind of a job whose result waits for payment, or null (unknown, not priced, paid). */
export async function awaitingDvmJobKind(db: Db, requestId: string): Promise<number | null> {
  const row = await maybeOne<{ kind: number }>(
    db,
    `SELECT kind FROM dvm_job WHERE request_id = $1::bytea AND status = 'awaiting_payment'`,
    [hex(requestId)],
  );
  return row?.kind ?? null;
}

/** Marks a job paid and returns its kept result; null when it was not waiting (once). */
export async function releaseDvmJob(db: Db, requestId: string, now: number) {
  const row = await maybeOne<{ response: NostrEvent }>(
    db,
    `UPDATE dvm_job SET status = 'done', finished_at = $2::bigint
     WHERE request_id = $1::bytea AND status = 'awaiting_payment'
     RETURNING response`,
    [hex(requestId), now],
  );
  return row?.response ?? null;
}

/** The newest created_at of a claimed request (the resume point after downtime), or null. */
export async function newestDvmRequest(db: Db): Promise<number | null> {
  const row = await one<{ t: string | null }>(db, `SELECT max(created_at) AS t FROM dvm_job`);
  return row.t === null ? null : Number(row.t);
}

/** Deletes jobs claimed before `cutoff` (retention); returns how many. */
export async function deleteDvmJobsBefore(db: Db, cutoff: number): Promise<number> {
  const row = await one<{ n: number }>(
    db,
    `WITH d AS (DELETE FROM dvm_job WHERE claimed_at < $1::bigint RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
    [cutoff],
  );
  return row.n;
}

/** Jobs kept, by status (`bigbrotr status`). */
export async function countDvmJobs(db: Db): Promise<Record<DvmJobStatus, number>> {
  const rows = await any<{ status: DvmJobStatus; n: number }>(
    db,
    "SELECT status, count(*)::int AS n FROM dvm_job GROUP BY status",
  );
  const counts: Record<DvmJobStatus, number> = {
    claimed: 0,
    done: 0,
    failed: 0,
    awaiting_payment: 0,
  };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}
