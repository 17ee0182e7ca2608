/**
 * Who operates a relay: the `pubkey` of its newest fetched NIP-11 document (SQL function
 * relay_operator, migration 000016). Read by the monitor when an operator subscribes by DM and
 * by the API when a key makes a DM subscription (docs/alerts.md).
 */
import type { Db } from "../pool.js";
import { any } from "../sql.js";

const OPERATORS = `SELECT url, relay_operator(id) AS pubkey FROM relay WHERE url = ANY($1::text[])`;

/** Each of `urls` that is an archived relay → its operator's pubkey (null: none named). */
export async function relayOperators(
  db: Db,
  urls: readonly string[],
): Promise<Map<string, string | null>> {
  if (urls.length === 0) return new Map();
  const rows = await any<{ url: string; pubkey: string | null }>(db, OPERATORS, [[...urls]]);
  return new Map(rows.map((r) => [r.url, r.pubkey]));
}
