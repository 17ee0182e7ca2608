import type { Db } from "../../core/db/pool.js";
import { insertRelaysAdded } from "../../core/db/relay-changes.js";
import {
  type CandidateFailure,
  type Promotion,
  promoteCandidates,
  recordCandidateFailures,
} from "../../core/db/service-state/candidates.js";
import { transaction } from "../../core/db/transaction.js";

/**
 * The outcome of one chunk of probes, in one transaction: the valid candidates become relays,
 * the others get their failure and next attempt. Both or neither, so a crash never promotes a
 * relay whose siblings' failures were lost (or the reverse). Each new relay is a
 * `relay_added` change (docs/changes.md).
 */
export async function recordProbeResults(
  db: Db,
  valid: readonly Promotion[],
  failed: readonly CandidateFailure[],
  now: number,
): Promise<void> {
  if (valid.length === 0 && failed.length === 0) return;
  await transaction(db, async (client) => {
    await promoteCandidates(client, valid);
    await insertRelaysAdded(
      client,
      valid.map((v) => v.url),
      now,
    );
    await recordCandidateFailures(client, failed, now);
  });
}
