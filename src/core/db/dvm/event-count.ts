/**
 * The DVM's event count (NIP-90 kind 5400; docs/dvm.md): the archived events matching any of
 * some NIP-01 filters, each once, seen on any of some relays (event_relay), counted in all or
 * grouped by up to MAX_GROUPS keys (content, pubkey, the reply or root `e` tag, or the first
 * value of a named tag). Each filter is read in its index order (relay/filter-sql.ts); the
 * caller's statement timeout bounds what is left.
 */
import type { Filter } from "../../../models/event-types.js";
import type { Db } from "../pool.js";
import { union } from "../relay/archive-reads.js";
import { any, one } from "../sql.js";

export const MAX_GROUPS = 3;

export interface EventCountQuery {
  filters: readonly Filter[];
  /** Canonical relay URLs: only events seen on one of them are counted. */
  relays: readonly string[];
  /** Group names in nesting order (at most MAX_GROUPS). */
  groups: readonly string[];
  /** Most group rows read; more is `tooMany`. */
  maxRows: number;
}

export type EventCount =
  | { total: number }
  | { rows: { keys: string[]; n: number }[]; tooMany: boolean };

/** One group's key for row `s`, the group name being parameter `$p`. */
const groupKey = (p: string) => `CASE ${p}::text
    WHEN 'content' THEN s.content
    WHEN 'pubkey' THEN encode(s.pubkey, 'hex')
    WHEN 'reply' THEN (SELECT t ->> 1 FROM jsonb_array_elements(s.tags) AS t
                       WHERE t ->> 0 = 'e' AND t ->> 3 = 'reply' LIMIT 1)
    WHEN 'root' THEN (SELECT t ->> 1 FROM jsonb_array_elements(s.tags) AS t
                      WHERE t ->> 0 = 'e' AND t ->> 3 = 'root' LIMIT 1)
    ELSE (SELECT t ->> 1 FROM jsonb_array_elements(s.tags) AS t WHERE t ->> 0 = ${p}::text LIMIT 1)
  END`;

const seenOn = (p: string) => `EXISTS (
    SELECT 1 FROM event_relay er JOIN relay r ON r.id = er.relay_id
    WHERE er.event_id = s.id AND r.url = ANY (${p}::text[]))`;

/** Counts (or groups) the events of `q`. */
export async function countArchivedEvents(db: Db, q: EventCountQuery): Promise<EventCount> {
  if (q.groups.length > MAX_GROUPS) throw new RangeError(`at most ${MAX_GROUPS} groups`);
  const cols = q.groups.length === 0 ? "e.id" : "e.id, e.pubkey, e.content, e.tags";
  const { text, params } = union(q.filters, cols);
  if (text === "" || q.relays.length === 0) {
    return q.groups.length === 0 ? { total: 0 } : { rows: [], tooMany: false };
  }
  const r = `$${params.length + 1}`;
  if (q.groups.length === 0) {
    const row = await one<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM (${text}) AS s WHERE ${seenOn(r)}`,
      [...params, q.relays],
    );
    return { total: row.n };
  }
  const keys = q.groups.map((_, i) => `${groupKey(`$${params.length + 2 + i}`)} AS k${i}`);
  const names = q.groups.map((_, i) => `k${i}`);
  const limit = `$${params.length + 2 + q.groups.length}`;
  const rows = await any<Record<string, string | number>>(
    db,
    `SELECT ${names.join(", ")}, count(*)::int AS n FROM (
       SELECT ${keys.join(", ")} FROM (${text}) AS s WHERE ${seenOn(r)}) AS g
     WHERE ${names.map((k) => `${k} IS NOT NULL`).join(" AND ")}
     GROUP BY ${names.join(", ")} ORDER BY n DESC, ${names.join(", ")} LIMIT ${limit}::int`,
    [...params, q.relays, ...q.groups, q.maxRows + 1],
  );
  return {
    rows: rows.slice(0, q.maxRows).map((row) => ({
      keys: names.map((k) => String(row[k])),
      n: Number(row.n),
    })),
    tooMany: rows.length > q.maxRows,
  };
}
