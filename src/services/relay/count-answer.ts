/**
 * A NIP-45 COUNT answer: the exact number of stored events matching any of the filters and,
 * for a single filter with a tag condition (the NIP's reaction, repost, reply, follower…
 * counts), the `hll` of their authors, so that a client can merge the answers of several
 * relays into one estimate of distinct authors. A filter matching more than `maxAuthors`
 * authors gets its count without an hll (the statement timeout bounds both reads).
 */
import type { Db } from "../../core/db/pool.js";
import { countEvents, matchingAuthors } from "../../core/db/relay/archive-reads.js";
import type { Filter } from "../../models/event-types.js";
import { encodeHll, hllOffset, registersOf } from "../../nips/nip45/index.js";

/** Authors folded into one hll at most (about 3 MB of pubkeys read). */
export const MAX_HLL_AUTHORS = 100_000;

export async function countAnswer(
  db: Db,
  filters: readonly Filter[],
  maxAuthors = MAX_HLL_AUTHORS,
): Promise<{ count: number; hll?: string }> {
  const count = await countEvents(db, filters);
  const filter = filters.length === 1 ? filters[0] : undefined;
  const offset = filter === undefined ? null : hllOffset(filter);
  if (filter === undefined || offset === null || count === 0) return { count };
  const authors = await matchingAuthors(db, filter, maxAuthors);
  if (authors.length > maxAuthors) return { count };
  const hex = authors.map((pubkey) => pubkey.toString("hex"));
  return { count, hll: encodeHll(registersOf(hex, offset)) };
}
