/**
 * The events we have seen on one relay, as (created_at, id) for a filter and a time window:
 * "our side" of a NIP-77 reconciliation with that relay. Only what the synchronizer's filter
 * may hold is supported (kinds, authors, single-letter tags; no ids, since/until come apart).
 * Tag conditions use the tagvalues index entries (`name:value`), so an event whose matching
 * value was too long to index is left out: the relay then lists it as one we lack, and the
 * synchronizer finds it archived and records nothing new.
 */
import type { Filter } from "../../models/event-types.js";
import type { Db } from "./pool.js";
import { any, one } from "./sql.js";

export interface SightedQuery {
  relayUrl: string;
  /** created_at bounds, both inclusive. */
  since: number;
  until: number;
  filter: Filter;
  /** At most this many rows (ask for one more than you accept to detect overflow). */
  limit: number;
}

export interface SightedRecord {
  createdAt: number;
  id: Buffer;
}

// The tag conditions travel as one jsonb {"e": ["<id>", …], …}: every key must overlap.
const SIGHTED_WHERE = `
  WHERE e.created_at BETWEEN $2::bigint AND $3::bigint
    AND EXISTS (
      SELECT 1 FROM event_relay er
      WHERE er.event_id = e.id AND er.relay_id = (SELECT r.id FROM relay r WHERE r.url = $1))
    AND ($4::int[] IS NULL OR e.kind = ANY ($4::int[]))
    AND ($5::bytea[] IS NULL OR e.pubkey = ANY ($5::bytea[]))
    AND NOT EXISTS (
      SELECT 1 FROM jsonb_each(coalesce($6::jsonb, '{}'::jsonb)) AS t(name, vals)
      WHERE NOT e.tagvalues && ARRAY(
        SELECT t.name || ':' || v FROM jsonb_array_elements_text(t.vals) AS v))`;

const SIGHTED = `SELECT e.created_at, e.id FROM event e ${SIGHTED_WHERE} LIMIT $7::int`;

const SIGHTED_COUNT = `
  SELECT count(*)::bigint AS events, count(DISTINCT e.pubkey)::bigint AS authors
  FROM event e ${SIGHTED_WHERE}`;

/** Tag conditions of a filter as {name: values}, or null when it has none. */
function tagConditions(filter: Filter): Record<string, string[]> | null {
  const tags: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(filter)) {
    if (key.startsWith("#") && Array.isArray(values)) tags[key.slice(1)] = values as string[];
  }
  return Object.keys(tags).length > 0 ? tags : null;
}

/** True when `sightedRecords` can select what `filter` selects. */
export function sightedSupports(filter: Filter): boolean {
  return Object.keys(filter).every(
    (key) => key === "kinds" || key === "authors" || /^#.$/u.test(key),
  );
}

function sightedParams(query: Omit<SightedQuery, "limit">): unknown[] {
  const { filter } = query;
  const tags = tagConditions(filter);
  return [
    query.relayUrl,
    query.since,
    query.until,
    filter.kinds ?? null,
    filter.authors?.map((a) => Buffer.from(a, "hex")) ?? null,
    tags === null ? null : JSON.stringify(tags),
  ];
}

/** Our records of `query.relayUrl` in the window, in no particular order. */
export async function sightedRecords(db: Db, query: SightedQuery): Promise<SightedRecord[]> {
  const rows = await any<{ created_at: number; id: Buffer }>(db, SIGHTED, [
    ...sightedParams(query),
    query.limit,
  ]);
  return rows.map((r) => ({ createdAt: r.created_at, id: r.id }));
}

/**
 * How many of those we hold, and of how many distinct authors: our side of a coverage
 * measurement (a NIP-45 COUNT, or its hll, for the same filter and window).
 */
export async function sightedCount(
  db: Db,
  query: Omit<SightedQuery, "limit">,
): Promise<{ events: number; authors: number }> {
  const row = await one<{ events: string; authors: string }>(
    db,
    SIGHTED_COUNT,
    sightedParams(query),
  );
  return { events: Number(row.events), authors: Number(row.authors) };
}
