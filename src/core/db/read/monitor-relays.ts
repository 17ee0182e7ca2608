import type { Network } from "../../../models/network.js";
import type { Db } from "../pool.js";
import { any } from "../sql.js";

export interface DueRelay {
  url: string;
  network: Network;
  /** Unix seconds of the last check, null before the first. */
  checkedAt: number | null;
}

export interface DueSelection {
  /** service_name of the checkpoints and leases ('monitor'). */
  service: string;
  networks: readonly Network[];
  /** Due = never checked, or last checked at or before this (unix seconds). */
  checkedBefore: number;
  /**
   * Leases that have not expired at `now` hide their relays: every lease, or (with `holder`)
   * only those of other holders.
   */
  holder?: string;
  now: number;
  limit: number;
  /** Only these relays (re-checking a chunk after taking its leases). */
  urls?: readonly string[];
}

/**
 * Relays due for a check, least recently checked first (never checked first, then by
 * discovery): on an enabled network, with no checkpoint or an older one, and not leased
 * right now (by another process, or by anyone), so replicas pick different relays.
 */
export async function dueRelays(db: Db, s: DueSelection): Promise<DueRelay[]> {
  const rows = await any<{ url: string; network: Network; checked_at: string | null }>(
    db,
    `SELECT r.url, r.network, (c.state_value ->> 'timestamp')::bigint AS checked_at
     FROM relay r
     LEFT JOIN service_state c
       ON c.service_name = $1 AND c.state_type = 'checkpoint' AND c.state_key = r.url
     WHERE r.network = ANY($2::text[])
       AND ($7::text[] IS NULL OR r.url = ANY($7::text[]))
       AND coalesce((c.state_value ->> 'timestamp')::bigint, -1) <= $3
       AND NOT EXISTS (SELECT 1 FROM lease l
                       WHERE l.service = $1 AND l.item = r.url
                         AND l.holder IS DISTINCT FROM $4::text AND l.expires_at > $5)
     ORDER BY coalesce((c.state_value ->> 'timestamp')::bigint, -1), r.discovered_at, r.url
     LIMIT $6`,
    [s.service, s.networks, s.checkedBefore, s.holder ?? null, s.now, s.limit, s.urls ?? null],
  );
  return rows.map((r) => ({
    url: r.url,
    network: r.network,
    checkedAt: r.checked_at === null ? null : Number(r.checked_at),
  }));
}

/** How many relays are due per network (leases ignored): the monitor's backlog gauge. */
export async function countDueRelays(
  db: Db,
  service: string,
  networks: readonly Network[],
  checkedBefore: number,
): Promise<Map<Network, number>> {
  const rows = await any<{ network: Network; n: string }>(
    db,
    `SELECT r.network, count(*) AS n
     FROM relay r
     LEFT JOIN service_state c
       ON c.service_name = $1 AND c.state_type = 'checkpoint' AND c.state_key = r.url
     WHERE r.network = ANY($2::text[])
       AND coalesce((c.state_value ->> 'timestamp')::bigint, -1) <= $3
     GROUP BY r.network`,
    [service, networks, checkedBefore],
  );
  return new Map(rows.map((r) => [r.network, Number(r.n)]));
}
