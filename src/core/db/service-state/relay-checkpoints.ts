import type { Db } from "../pool.js";
import { affected } from "../sql.js";

/**
 * Deletes a service's per-relay checkpoints whose relay is gone (rows of `service_state`
 * with type 'checkpoint' keyed by a URL that is no longer in `relay`), keeping the named
 * ones in `keep` (the monitor's `profile`, `relay_list`, `announcement`, `last_cycle`).
 * Returns how many were deleted.
 */
export async function deleteOrphanCheckpoints(
  db: Db,
  service: string,
  keep: readonly string[],
): Promise<number> {
  return affected(
    db,
    `DELETE FROM service_state s
     WHERE s.service_name = $1 AND s.state_type = 'checkpoint'
       AND s.state_key <> ALL($2::text[])
       AND NOT EXISTS (SELECT 1 FROM relay r WHERE r.url = s.state_key)`,
    [service, [...keep]],
  );
}
