/**
 * The stored part of a REQ: each filter's first `limit` events (capped by `max_limit`) read
 * from the archive, merged in NIP-01 order, each event once. Rows without a signature (a
 * lilbrotr archive's) are not events a client can use and are left out.
 */
import { nip01Order, reqEvents, type StoredEvent } from "../../core/db/relay/archive-reads.js";
import type { NostrEvent } from "../../models/event-types.js";
import type { Filter } from "../../models/filter.js";
import type { RelayRuntime } from "./runtime.js";

const isWhole = (e: StoredEvent): e is NostrEvent => "sig" in e;

/** The stored events of `filters` in NIP-01 order; rejects on a database error. */
export async function readStoredEvents(
  rt: RelayRuntime,
  filters: readonly Filter[],
): Promise<NostrEvent[]> {
  const max = rt.config.limits.max_limit;
  const lists = await Promise.all(
    filters.map((f) => reqEvents(rt.db, f, Math.min(f.limit ?? max, max))),
  );
  const byId = new Map<string, NostrEvent>();
  for (const e of lists.flat()) if (isWhole(e)) byId.set(e.id, e);
  return [...byId.values()].sort(nip01Order);
}
