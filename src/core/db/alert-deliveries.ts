/**
 * Owner of alert_delivery and alert_cooldown (migration 000013, docs/alerts.md): deliveries
 * queued in the transaction that stores their change, at most one per subscription, kind and
 * relay per cool-down (by check time); claimed by a sender for a while, then sent, retried
 * later or dead.
 */
import type { RelayChange } from "../../models/relay-change.js";
import type { Db } from "./pool.js";
import { RELAY_CHANGE_COLUMNS, type RelayChangeRow, toRelayChange } from "./relay-change-row.js";
import { affected, any, maybeOne } from "./sql.js";

export interface AlertCandidate {
  subscription: string;
  changeId: number;
  relayId: number;
  kind: string;
  checkedAt: number;
}

const COOLDOWN = `
  SELECT last_at FROM alert_cooldown WHERE subscription = $1 AND kind = $2 AND relay_id = $3
  FOR UPDATE`;
const SET_COOLDOWN = `
  INSERT INTO alert_cooldown (subscription, kind, relay_id, last_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (subscription, kind, relay_id) DO UPDATE SET last_at = EXCLUDED.last_at`;
const QUEUE = `
  INSERT INTO alert_delivery (subscription, change_id, next_attempt, created_at)
  VALUES ($1, $2, $3, $3) ON CONFLICT (subscription, change_id) DO NOTHING`;

/**
 * Queues a delivery for each candidate not within `cooldown` seconds (check time) of the last
 * one of its subscription, kind and relay; in the caller's transaction. Returns the counts.
 */
export async function queueAlerts(
  db: Db,
  candidates: readonly AlertCandidate[],
  cooldown: number,
  now: number,
): Promise<{ queued: number; suppressed: number }> {
  let queued = 0;
  let suppressed = 0;
  for (const c of candidates) {
    const key = [c.subscription, c.kind, c.relayId];
    const last = await maybeOne<{ last_at: string }>(db, COOLDOWN, key);
    if (last !== null && c.checkedAt - Number(last.last_at) < cooldown) {
      suppressed++;
      continue;
    }
    await affected(db, SET_COOLDOWN, [...key, c.checkedAt]);
    queued += await affected(db, QUEUE, [c.subscription, c.changeId, now]);
  }
  return { queued, suppressed };
}

export interface Delivery {
  id: number;
  subscription: string;
  attempts: number;
  change: RelayChange;
}

interface ClaimRow extends RelayChangeRow {
  id: string;
  subscription: string;
  attempts: number;
}

const CLAIM = `
  WITH due AS (
    SELECT id FROM alert_delivery
    WHERE status = 'pending' AND next_attempt <= $1 AND claimed_until <= $1
      AND subscription = ANY($4::text[])
    ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE alert_delivery d SET claimed_until = $1 + $2, attempts = d.attempts + 1
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.subscription, d.attempts, d.change_id
  )
  SELECT k.id, k.subscription, k.attempts, ${RELAY_CHANGE_COLUMNS}
  FROM claimed k JOIN relay_change c ON c.id = k.change_id JOIN relay r ON r.id = c.relay_id
  ORDER BY k.id`;

/**
 * Claims up to `limit` due deliveries of `subscriptions` for `claimSeconds` (another sender
 * skips them; a crashed sender's claim runs out), counting the attempt.
 */
export async function claimDeliveries(
  db: Db,
  options: { now: number; claimSeconds: number; limit: number; subscriptions: string[] },
): Promise<Delivery[]> {
  const { now, claimSeconds, limit, subscriptions } = options;
  const rows = await any<ClaimRow>(db, CLAIM, [now, claimSeconds, limit, subscriptions]);
  return rows.map((r) => ({
    id: Number(r.id),
    subscription: r.subscription,
    attempts: r.attempts,
    change: toRelayChange(r),
  }));
}

/** A delivery's outcome: sent, to be retried at `retryAt`, or dead (no attempt left). */
export type DeliveryOutcome =
  | { status: "sent" }
  | { status: "retry"; retryAt: number; error: string }
  | { status: "dead"; error: string };

const FINISH = `
  UPDATE alert_delivery SET status = $2, sent_at = CASE WHEN $2 = 'sent' THEN $3::bigint END,
    next_attempt = coalesce($4, next_attempt), last_error = $5, claimed_until = 0
  WHERE id = $1`;

export async function finishDelivery(
  db: Db,
  id: number,
  outcome: DeliveryOutcome,
  now: number,
): Promise<void> {
  const status = outcome.status === "retry" ? "pending" : outcome.status;
  const retryAt = outcome.status === "retry" ? outcome.retryAt : null;
  const error = outcome.status === "sent" ? null : outcome.error.slice(0, 1000);
  await affected(db, FINISH, [id, status, now, retryAt, error]);
}

/** Deliveries by status (pending, sent, dead: the dead letters). */
export async function countDeliveries(db: Db): Promise<Record<string, number>> {
  const rows = await any<{ status: string; n: number }>(
    db,
    "SELECT status, count(*)::int AS n FROM alert_delivery GROUP BY status",
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

const ORPHAN_DELIVERIES = `
  DELETE FROM alert_delivery d WHERE d.subscription LIKE 'sub:%' AND NOT EXISTS (
    SELECT 1 FROM alert_subscription s WHERE 'sub:' || s.id = d.subscription)`;
const ORPHAN_COOLDOWNS = `
  DELETE FROM alert_cooldown d WHERE d.subscription LIKE 'sub:%' AND NOT EXISTS (
    SELECT 1 FROM alert_subscription s WHERE 'sub:' || s.id = d.subscription)`;

/** Deletes the deliveries and cool-downs of deleted stored subscriptions; returns how many. */
export async function deleteOrphanDeliveries(db: Db): Promise<number> {
  return (await affected(db, ORPHAN_DELIVERIES)) + (await affected(db, ORPHAN_COOLDOWNS));
}
