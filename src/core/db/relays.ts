import type { Relay } from "../../models/relay.js";
import type { Queryable } from "./pool.js";
import { affected } from "./sql.js";

const INSERT_RELAYS = `
  INSERT INTO relay (url, network, discovered_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
  ON CONFLICT (url) DO NOTHING`;

/** The first row of each URL, in input order. */
export function uniqueRelays(relays: readonly Relay[]): Relay[] {
  const byUrl = new Map<string, Relay>();
  for (const r of relays) if (!byUrl.has(r.url)) byUrl.set(r.url, r);
  return [...byUrl.values()];
}

/** Inserts relays (first row of each URL wins); returns how many were new. */
export async function insertRelays(db: Queryable, relays: readonly Relay[]): Promise<number> {
  const rows = uniqueRelays(relays);
  if (rows.length === 0) return 0;
  return affected(db, INSERT_RELAYS, [
    rows.map((r) => r.url),
    rows.map((r) => r.network),
    rows.map((r) => r.discoveredAt),
  ]);
}
