/**
 * Owner of alert_dm_command (migration 000016, docs/alerts.md): the gift wraps the monitor has
 * read from its DM inbox. A wrap is claimed by inserting its row in the transaction that
 * carries its command out, so each is processed once across restarts and replicas; the rows
 * of a sender since a time are its rate limit.
 */
import type { Db } from "./pool.js";
import { affected, any, exec, maybeOne, one } from "./sql.js";

/** Of `wrapIds`, those already processed (or being processed). */
export async function processedWraps(db: Db, wrapIds: readonly string[]): Promise<Set<string>> {
  if (wrapIds.length === 0) return new Set();
  const sql = "SELECT wrap_id FROM alert_dm_command WHERE wrap_id = ANY($1::text[])";
  const rows = await any<{ wrap_id: string }>(db, sql, [[...wrapIds]]);
  return new Set(rows.map((r) => r.wrap_id));
}

const LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('alert_dm_command:' || $1, 0))";
const CLAIM = `
  INSERT INTO alert_dm_command (wrap_id, sender, received_at, outcome)
  VALUES ($1, $2, $3, 'claimed') ON CONFLICT (wrap_id) DO NOTHING RETURNING 1 AS ok`;
const RECENT = `
  SELECT count(*)::int AS recent FROM alert_dm_command WHERE sender = $1 AND received_at >= $2`;

/**
 * Claims wrap `wrapId` from `sender` (null: it could not be opened) in the caller's
 * transaction: null when it was processed already, else the sender's commands since
 * `rateSince`, this one included (one lock per sender orders them across replicas).
 */
export async function claimDmCommand(
  db: Db,
  c: { wrapId: string; sender: string | null; now: number; rateSince: number },
): Promise<{ recent: number } | null> {
  if (c.sender !== null) await exec(db, LOCK, [c.sender]);
  const claimed = await maybeOne<{ ok: number }>(db, CLAIM, [c.wrapId, c.sender, c.now]);
  if (claimed === null) return null;
  if (c.sender === null) return { recent: 1 };
  return one<{ recent: number }>(db, RECENT, [c.sender, c.rateSince]);
}

/** What came of a claimed wrap (subscribed, refused, rate_limited, undecryptable...). */
export async function recordDmOutcome(db: Db, wrapId: string, outcome: string): Promise<void> {
  const sql = "UPDATE alert_dm_command SET outcome = $2 WHERE wrap_id = $1";
  await affected(db, sql, [wrapId, outcome.slice(0, 64)]);
}

/** Forgets wraps received before `before` (unix seconds); returns how many. */
export async function deleteDmCommandsBefore(db: Db, before: number): Promise<number> {
  return affected(db, "DELETE FROM alert_dm_command WHERE received_at < $1", [before]);
}
