import type { Relay } from "../../models/relay.js";
import type { Queryable } from "./pool.js";
import { affected, compareBy, uniqueBy } from "./sql.js";

const INSERT_RELAYS = `
  INSERT INTO relay (url, network, discovered_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
  ON CONFLICT (url) DO NOTHING`;

/** Inserts relays (first row of each URL wins, in URL order); returns how many were new. */
export async function insertRelays(db: Queryable, relays: readonly Relay[]): Promise<number> {
  const rows = uniqueBy(relays, (r) => r.url).sort(compareBy((r) => r.url));
  if (rows.length === 0) return 0;
  return affected(db, INSERT_RELAYS, [
    rows.map((r) => r.url),
    rows.map((r) => r.network),
    rows.map((r) => r.discoveredAt),
  ]);
}
