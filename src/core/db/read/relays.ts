import type { Network } from "../../../models/network.js";
import type { Relay } from "../../../models/relay.js";
import type { Db } from "../pool.js";
import { any } from "../sql.js";

export interface RelayListOptions {
  /** Only relays of this network. */
  network?: Network;
  /** Keyset: only URLs after this one (the last URL of the previous page). */
  after?: string;
  /** Page size, 1–1000 (default 100). */
  limit?: number;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.trunc(n)));

/**
 * One page of relays in URL order (relay_url_key), optionally of one network. The next page
 * starts after the last URL of this one; a page shorter than `limit` is the last.
 * @planned HTTP API: the relay list
 */
export async function listRelays(db: Db, options: RelayListOptions = {}): Promise<Relay[]> {
  const rows = await any<{ url: string; network: Network; discovered_at: number }>(
    db,
    `SELECT url, network, discovered_at FROM relay
     WHERE url > $1 AND ($2::text IS NULL OR network = $2)
     ORDER BY url
     LIMIT $3`,
    [options.after ?? "", options.network ?? null, clamp(options.limit ?? 100, 1, 1000)],
  );
  return rows.map((r) => ({ url: r.url, network: r.network, discoveredAt: r.discovered_at }));
}
