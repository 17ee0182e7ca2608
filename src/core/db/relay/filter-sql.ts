/**
 * NIP-01 filters as SQL for `bigbrotr relay` (reads only the relay makes; docs/relay.md).
 * Each filter is read in the order of one index, chosen as the API's event pages choose it
 * (core/db/api/event-filter.ts): ids probe event_pkey; authors (with kinds: each pair) their
 * (pubkey[, kind], created_at) index; else the first tag condition the ordered tag index
 * event_tag; else kinds their (kind, created_at) index; else the time index. Every other
 * condition is checked on the rows read, so no filter scans the archive beyond its index
 * range; a statement timeout bounds what is left (a COUNT of everything).
 *
 * Parameters are numbered from an offset so that several filters share one statement (COUNT
 * of a REQ's filters counts each event once). Statements are unnamed: planned for the values
 * bound, so the `$n IS NULL OR …` of an absent condition folds away.
 */
import type { Filter } from "../../../models/event-types.js";

/** Most `#x` conditions one filter may have (each any of its values, all of them together). */
export const MAX_TAG_CONDITIONS = 3;
/** Most (author, kind) pairs read pair by pair; more are read author by author. */
const MAX_PAIRS = 100;

export type Driver = "ids" | "authorKinds" | "authors" | "tag" | "kinds" | "newest";

/** A filter's SQL pieces: its parameters, and the text built from their numbers. */
export interface FilterSql {
  /** The index it is read in: a statement's text depends only on it (and the offset). */
  driver: Driver;
  params: unknown[];
  /** Rows of event `e` (columns `cols`) matching the filter, each value's newest `limit` or all. */
  text(offset: number, cols: string, limit: string | null): string;
}

const bytes = (hex: readonly string[]) => [...new Set(hex)].map((h) => Buffer.from(h, "hex"));

/** The `#x` conditions of a filter as lists of 'x:value' (the form of event.tagvalues). */
export function tagConditions(filter: Filter): string[][] {
  const out: string[][] = [];
  for (const [key, values] of Object.entries(filter)) {
    if (!key.startsWith("#") || !Array.isArray(values)) continue;
    out.push([...new Set(values as string[])].map((v) => `${key.slice(1)}:${v}`));
  }
  return out;
}

/** True when a filter can match nothing (an empty list, since after until). */
export function matchesNothing(filter: Filter): boolean {
  const lists = [filter.ids, filter.authors, filter.kinds, ...tagConditions(filter)];
  if (lists.some((l) => l !== undefined && l.length === 0)) return true;
  return filter.since !== undefined && filter.until !== undefined && filter.since > filter.until;
}

function driverOf(filter: Filter, tags: number): Driver {
  const { ids, authors, kinds } = filter;
  if (ids !== undefined) return "ids";
  if (authors !== undefined && kinds !== undefined) {
    return authors.length * kinds.length <= MAX_PAIRS ? "authorKinds" : "authors";
  }
  if (authors !== undefined) return "authors";
  if (tags > 0) return "tag";
  if (kinds !== undefined) return "kinds";
  return "newest";
}

/**
 * Parameters, numbered from offset+1: 1 ids, 2 authors, 3 kinds, 4-6 tag conditions, 7 since,
 * 8 until; for authorKinds also 9 pair authors, 10 pair kinds.
 */
function paramsOf(filter: Filter, tags: string[][], driver: Driver): unknown[] {
  const authors = filter.authors === undefined ? null : bytes(filter.authors);
  const kinds = filter.kinds === undefined ? null : [...new Set(filter.kinds)];
  const pairs = (authors ?? []).flatMap((a) => (kinds ?? []).map((k) => [a, k] as const));
  const paired = driver === "authorKinds";
  const base = [
    filter.ids === undefined ? null : bytes(filter.ids),
    authors,
    kinds,
    tags[0] ?? null,
    tags[1] ?? null,
    tags[2] ?? null,
    filter.since ?? 0,
    filter.until ?? Number.MAX_SAFE_INTEGER,
  ];
  // A parameter no statement names has no type the server can infer: the pairs only when read.
  return paired ? [...base, pairs.map(([a]) => a), pairs.map(([, k]) => k)] : base;
}

const conditions = (p: (n: number) => string) => `
      ($${p(1)}::bytea[] IS NULL OR e.id = ANY ($${p(1)}::bytea[]))
  AND ($${p(2)}::bytea[] IS NULL OR e.pubkey = ANY ($${p(2)}::bytea[]))
  AND ($${p(3)}::int[] IS NULL OR e.kind = ANY ($${p(3)}::int[]))
  AND ($${p(4)}::text[] IS NULL OR e.tagvalues && $${p(4)}::text[])
  AND ($${p(5)}::text[] IS NULL OR e.tagvalues && $${p(5)}::text[])
  AND ($${p(6)}::text[] IS NULL OR e.tagvalues && $${p(6)}::text[])
  AND e.created_at >= $${p(7)}::bigint AND e.created_at <= $${p(8)}::bigint`;

/** Each value's newest rows (ties of the last second kept, so the outer order decides them). */
const newest = (limit: string | null, order = "e.created_at DESC") =>
  limit === null ? "" : `ORDER BY ${order} FETCH FIRST (${limit}) ROWS WITH TIES`;

function perValue(values: (p: (n: number) => string) => string, where: string) {
  return (p: (n: number) => string, cols: string, limit: string | null) =>
    `SELECT x.* FROM ${values(p)} CROSS JOIN LATERAL (
       SELECT ${cols} FROM event e WHERE ${where} AND ${conditions(p)} ${newest(limit)}) AS x`;
}

const TEXT: Record<Driver, (p: (n: number) => string, cols: string, l: string | null) => string> = {
  ids: (p, cols) =>
    `SELECT x.* FROM unnest($${p(1)}::bytea[]) AS k(v) CROSS JOIN LATERAL (
         SELECT ${cols} FROM event e WHERE e.id = k.v AND ${conditions(p)} LIMIT 1) AS x`,
  authorKinds: perValue(
    (p) => `unnest($${p(9)}::bytea[], $${p(10)}::int[]) AS k(pubkey, kind)`,
    "e.pubkey = k.pubkey AND e.kind = k.kind",
  ),
  authors: perValue((p) => `unnest($${p(2)}::bytea[]) AS k(v)`, "e.pubkey = k.v"),
  kinds: perValue((p) => `unnest($${p(3)}::int[]) AS k(v)`, "e.kind = k.v"),
  // event_tag_pkey (tag, created_at, event_id) per value of the first tag condition, each
  // row probing its event in its one partition (tagvalues rechecks a hash collision).
  tag: (p, cols, limit) =>
    `SELECT x.* FROM unnest($${p(4)}::text[]) AS k(v) CROSS JOIN LATERAL (
         SELECT ${cols} FROM event_tag t
         CROSS JOIN LATERAL (SELECT * FROM event e WHERE e.id = t.event_id LIMIT 1) AS e
         WHERE t.tag = hashtextextended(k.v, 0)
           AND t.created_at >= $${p(7)}::bigint AND t.created_at <= $${p(8)}::bigint
           AND ${conditions(p)} ${newest(limit, "t.created_at DESC")}) AS x`,
  newest: (p, cols, limit) =>
    `SELECT ${cols} FROM event e WHERE ${conditions(p)}
       ${limit === null ? "" : `ORDER BY e.created_at DESC, e.id ASC LIMIT (${limit})`}`,
};

/** The SQL of one filter (checked: at most MAX_TAG_CONDITIONS tag conditions). */
export function filterSql(filter: Filter): FilterSql {
  const tags = tagConditions(filter);
  if (tags.length > MAX_TAG_CONDITIONS) {
    throw new RangeError(`at most ${MAX_TAG_CONDITIONS} tag conditions in one filter`);
  }
  const driver = driverOf(filter, tags.length);
  return {
    driver,
    params: paramsOf(filter, tags, driver),
    text: (offset, cols, limit) => TEXT[driver]((n) => String(offset + n), cols, limit),
  };
}
