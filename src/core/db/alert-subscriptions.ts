/**
 * Owner of alert_subscription (migration 000016, docs/alerts.md): the alert subscriptions made
 * at run time, by an API key (POST /v1/alerts) or by a relay's operator (a `subscribe` DM to
 * the monitor). The one table the API writes, through this file only (docs/architecture.md,
 * "The API's one write"). The monitor reads them to queue and send deliveries, named
 * `sub:<id>`; a DM subscription is delivered only for relays its pubkey operates.
 */
import type { Db } from "./pool.js";
import { affected, any, exec, maybeOne, one } from "./sql.js";
import { transaction } from "./transaction.js";

/** A subscription as its owner sees it (never its secret). */
export interface AlertSubscription {
  id: number;
  owner: string;
  sink: "webhook" | "dm";
  url: string | null;
  pubkey: string | null;
  dmRelays: string[];
  relays: string[];
  kinds: string[];
  createdAt: number;
}

/** A subscription as the monitor sends it: with the webhook's secret. */
export interface SubscriptionTarget extends AlertSubscription {
  secret: string | null;
}

export type NewSubscription =
  | { sink: "webhook"; url: string; secret: string; relays: string[]; kinds: string[] }
  | { sink: "dm"; pubkey: string; dmRelays: string[]; relays: string[]; kinds: string[] };

/** The delivery and cool-down name of a stored subscription. */
export const subscriptionKey = (id: number) => `sub:${id}`;

interface Row {
  id: string;
  owner: string;
  sink: "webhook" | "dm";
  url: string | null;
  secret: string | null;
  pubkey: string | null;
  dm_relays: string[];
  relays: string[];
  kinds: string[];
  created_at: string;
}

const COLUMNS = "id, owner, sink, url, pubkey, dm_relays, relays, kinds, created_at";

const toSubscription = (r: Row): AlertSubscription => ({
  id: Number(r.id),
  owner: r.owner,
  sink: r.sink,
  url: r.url,
  pubkey: r.pubkey,
  dmRelays: r.dm_relays,
  relays: r.relays,
  kinds: r.kinds,
  createdAt: Number(r.created_at),
});

// One owner's subscriptions are counted and made one at a time (across API processes too).
const LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('alert_subscription:' || $1, 0))";
const COUNT = "SELECT count(*)::int AS n FROM alert_subscription WHERE owner = $1";
const INSERT = `
  INSERT INTO alert_subscription (owner, sink, url, secret, pubkey, dm_relays, relays, kinds,
    created_at)
  VALUES ($1, $2, $3, $4, $5, $6::text[], $7::text[], $8::text[], $9)
  RETURNING ${COLUMNS}`;

/** Makes a subscription for `owner`, unless it has `max` already (then `full`: its count). */
export async function createSubscription(
  db: Db,
  owner: string,
  sub: NewSubscription,
  options: { max: number; now: number },
): Promise<{ created: AlertSubscription } | { full: number }> {
  return transaction(db, async (tx) => {
    await exec(tx, LOCK, [owner]);
    const { n } = await one<{ n: number }>(tx, COUNT, [owner]);
    if (n >= options.max) return { full: n };
    const hook = sub.sink === "webhook" ? sub : undefined;
    const dm = sub.sink === "dm" ? sub : undefined;
    const row = await one<Row>(tx, INSERT, [
      owner,
      sub.sink,
      hook?.url ?? null,
      hook?.secret ?? null,
      dm?.pubkey ?? null,
      dm?.dmRelays ?? [],
      sub.relays,
      sub.kinds,
      options.now,
    ]);
    return { created: toSubscription(row) };
  });
}

const LIST = `SELECT ${COLUMNS} FROM alert_subscription WHERE owner = $1 ORDER BY id LIMIT $2`;

/** `owner`'s subscriptions, oldest first (at most `limit`). */
export async function listSubscriptions(
  db: Db,
  owner: string,
  limit = 1000,
): Promise<AlertSubscription[]> {
  return (await any<Row>(db, LIST, [owner, limit])).map(toSubscription);
}

/** Deletes `owner`'s subscription `id`; false when it has none of that id. */
export async function deleteSubscription(db: Db, owner: string, id: number): Promise<boolean> {
  const sql = "DELETE FROM alert_subscription WHERE owner = $1 AND id = $2";
  return (await affected(db, sql, [owner, id])) > 0;
}

/** The owner name of a relay operator's DM subscriptions. */
export const operatorOwner = (pubkey: string) => `nostr:${pubkey}`;

const OPERATOR_INSERT = `
  INSERT INTO alert_subscription (owner, sink, pubkey, dm_relays, relays, kinds, created_at)
  VALUES ($1, 'dm', $2, $3::text[], ARRAY[$4::text], $5::text[], $6)
  ON CONFLICT (owner, (relays[1])) WHERE owner LIKE 'nostr:%' DO NOTHING
  RETURNING id`;

/**
 * A relay operator's subscription to the alerts of `relayUrl` (call it in the transaction that
 * claims the command): `subscribed`, `already` (nothing changes) or `full` (it has `max`).
 */
export async function subscribeOperator(
  db: Db,
  op: { pubkey: string; relayUrl: string; dmRelays: string[]; kinds: string[] },
  options: { max: number; now: number },
): Promise<"subscribed" | "already" | "full"> {
  const owner = operatorOwner(op.pubkey);
  await exec(db, LOCK, [owner]);
  const exists = await maybeOne<{ id: string }>(
    db,
    "SELECT id FROM alert_subscription WHERE owner = $1 AND relays[1] = $2",
    [owner, op.relayUrl],
  );
  if (exists !== null) return "already";
  const { n } = await one<{ n: number }>(db, COUNT, [owner]);
  if (n >= options.max) return "full";
  const params = [owner, op.pubkey, op.dmRelays, op.relayUrl, op.kinds, options.now];
  const row = await maybeOne<{ id: string }>(db, OPERATOR_INSERT, params);
  return row === null ? "already" : "subscribed";
}

/** Ends an operator's subscription to `relayUrl`; false when there was none. */
export async function unsubscribeOperator(
  db: Db,
  pubkey: string,
  relayUrl: string,
): Promise<boolean> {
  const sql = "DELETE FROM alert_subscription WHERE owner = $1 AND relays[1] = $2";
  return (await affected(db, sql, [operatorOwner(pubkey), relayUrl])) > 0;
}

const TARGETS = `SELECT ${COLUMNS}, secret FROM alert_subscription ORDER BY id LIMIT $1`;

/** Every stored subscription with its secret (the monitor's sender), at most `limit`. */
export async function subscriptionTargets(db: Db, limit = 100_000): Promise<SubscriptionTarget[]> {
  const rows = await any<Row>(db, TARGETS, [limit]);
  return rows.map((r) => ({ ...toSubscription(r), secret: r.secret }));
}

/** A stored change, as the candidates need it. */
export interface ChangeRef {
  id: number;
  relayId: number;
  kind: string;
  checkedAt: number;
}

const CANDIDATES = `
  SELECT 'sub:' || s.id AS subscription, u.change_id, u.relay_id, u.kind, u.checked_at
  FROM unnest($1::bigint[], $2::int[], $3::text[], $4::bigint[])
       AS u(change_id, relay_id, kind, checked_at)
  JOIN relay r ON r.id = u.relay_id
  CROSS JOIN LATERAL (SELECT relay_operator(u.relay_id) AS pubkey) o
  JOIN alert_subscription s ON u.kind = ANY(s.kinds)
    AND (cardinality(s.relays) = 0 OR r.url = ANY(s.relays))
  WHERE s.sink = 'webhook' OR s.pubkey = o.pubkey
  ORDER BY s.id, u.change_id`;

/**
 * One candidate per (stored subscription, change) it wants: a webhook's relays and kinds; a
 * DM's too, and only when its pubkey is the relay's operator now.
 */
export async function subscriptionCandidates(
  db: Db,
  changes: readonly ChangeRef[],
): Promise<(ChangeRef & { subscription: string; changeId: number })[]> {
  if (changes.length === 0) return [];
  const rows = await any<{
    subscription: string;
    change_id: string;
    relay_id: number;
    kind: string;
    checked_at: string;
  }>(db, CANDIDATES, [
    changes.map((c) => c.id),
    changes.map((c) => c.relayId),
    changes.map((c) => c.kind),
    changes.map((c) => c.checkedAt),
  ]);
  return rows.map((r) => ({
    subscription: r.subscription,
    changeId: Number(r.change_id),
    id: Number(r.change_id),
    relayId: r.relay_id,
    kind: r.kind,
    checkedAt: Number(r.checked_at),
  }));
}
