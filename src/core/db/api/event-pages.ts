/**
 * The statements of findEvents (event-filter.ts): one per driver, the index whose order a page
 * is read in. Each driver reads, for each of its values, the newest matching events in index
 * order and stops after the page (a LATERAL subquery per value, `LIMIT`, or `FETCH FIRST …
 * WITH TIES` where the index orders by created_at alone, so that events of the page's last
 * second are not cut before the id decides); the page is then the newest `limit` of those.
 * Every other condition of the filter is checked on the rows read, before the limit.
 *
 * The statements are named (sql.ts, NamedStatement): each connection plans one once and keeps
 * its generic plan, which is the same index-ordered plan whatever the values, instead of
 * planning the 16 event partitions again for every request (1.5–2 ms a request).
 */
import type { NamedStatement } from "../sql.js";

/**
 * Parameters of every driver but `newest`:
 *   $1 the driver's values (ids or authors bytea[], kinds int[], one tag's 'x:value' text[]);
 *   $2 authors, $3 kinds, $4–$6 tag conditions ('x:value' text[], any of them): each NULL when
 *      absent, and NULL in the driver's own slot except a tag's (rechecked: see event_tag);
 *   $7 created_at at least; ($8, $9) the keyset bound: created_at <= $8 and (created_at, id)
 *      < ($8, $9); $10 the page size; $11 the page's byte budget (see `page`).
 */
const CONDITIONS = `
      AND ($2::bytea[] IS NULL OR e.pubkey = ANY ($2::bytea[]))
      AND ($3::int[] IS NULL OR e.kind = ANY ($3::int[]))
      AND ($4::text[] IS NULL OR e.tagvalues && $4::text[])
      AND ($5::text[] IS NULL OR e.tagvalues && $5::text[])
      AND ($6::text[] IS NULL OR e.tagvalues && $6::text[])
      AND e.created_at >= $7::bigint AND e.created_at <= $8::bigint
      AND (e.created_at, e.id) < ($8::bigint, $9::bytea)`;

const COLUMNS = "e.id, e.pubkey, e.created_at, e.kind, e.tags, e.content, e.sig";

/**
 * The page of `candidates` (rows of event, at least the page's), with each event's relays:
 * its sightings (event_relay_pkey, pruned to one partition) and each one's URL by relay_pkey.
 * A scalar subquery, so that the generic plan cannot pick a join reading the whole relay
 * table for every event (it estimates ~100 sightings an event: 0.23 ms an event at 2,000
 * relays, most of a page's time); OFFSET 0 keeps it computed once per sighting, not once
 * more for the sort.
 *
 * The byte budget (`budget`, bytes): the page stops at the first event whose estimated size
 * (stored tags and content, read from their headers without detoasting them) would take the
 * page's estimated total past it, keeping at least one; only the events kept have their tags
 * detoasted and written as JSON text (tags::text, sent on as they are: never parsed). The API
 * then cuts on the exact size (event-filter.ts). `page_rows` = the rows before this cut, so that
 * findEvents knows a cut page from a last one.
 */
const SELECT_PAGE = `
  SELECT encode(e.id, 'hex') AS id, encode(e.pubkey, 'hex') AS pubkey, e.created_at, e.kind,
    e.tags::text AS tags, e.content, encode(e.sig, 'hex') AS sig, e.page_rows,
    ARRAY(SELECT s.url FROM (
            SELECT (SELECT r.url FROM relay r WHERE r.id = er.relay_id) AS url
            FROM event_relay er WHERE er.event_id = e.id OFFSET 0) AS s
          ORDER BY s.url COLLATE "C") AS relays`;

const page = (candidates: string, limit: string, budget: string) => `${SELECT_PAGE}
  FROM (
    SELECT c.*, count(*) OVER w_all AS page_rows,
      coalesce(sum(coalesce(pg_column_size(c.tags), 0) + coalesce(octet_length(c.content), 0))
        OVER w_before, 0) AS bytes_before
    FROM (SELECT * FROM (${candidates}) AS c0
          ORDER BY c0.created_at DESC, c0.id DESC LIMIT ${limit}) AS c
    WINDOW w_all AS (), w_before AS (ORDER BY c.created_at DESC, c.id DESC
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
  ) AS e
  WHERE e.bytes_before < ${budget}
  ORDER BY e.created_at DESC, e.id DESC`;

/**
 * A page of ids, at most one event each: no estimated cut (page_rows NULL), the caller's exact
 * one is enough, and the window would cost the generic plan its edge over planning each call.
 */
const idsPage = (candidates: string, limit: string) => `${SELECT_PAGE}
  FROM (SELECT c.*, NULL::bigint AS page_rows FROM (${candidates}) AS c) AS e
  ORDER BY e.created_at DESC, e.id DESC
  LIMIT ${limit}`;

/** The newest events of one value of an index on (value, created_at): ties of the last second kept. */
const newestOf = (where: string) => `
    SELECT ${COLUMNS} FROM event e
    WHERE ${where} ${CONDITIONS}
    ORDER BY e.created_at DESC FETCH FIRST ($10::int) ROWS WITH TIES`;

/** A driver reading `newestOf(where)` for each value of `values` (k.v; $10 the page size). */
const perValue = (name: string, values: string, where: string): NamedStatement => ({
  name,
  text: page(
    `SELECT x.* FROM ${values} CROSS JOIN LATERAL (${newestOf(where)}) AS x`,
    "$10::int",
    "$11::bigint",
  ),
});

export type Driver = "ids" | "authorKinds" | "authors" | "tag" | "kinds" | "newest";

export const PAGE_STATEMENTS: Record<Driver, NamedStatement> = {
  // One probe of event_pkey per id, pruned to its partition at run time.
  ids: {
    name: "bigbrotr_events_by_ids",
    text: idsPage(
      `SELECT x.* FROM unnest($1::bytea[]) AS k(v)
       CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM event e WHERE e.id = k.v ${CONDITIONS}
                           LIMIT 1) AS x`,
      "$10::int",
    ),
  },
  // event_pubkey_kind_created_at_idx, per (author, kind) pair: $1 and $3 hold the pairs (one
  // unnest of two arrays: the generic plan then counts them as one list, not a product).
  authorKinds: perValue(
    "bigbrotr_events_by_author_kinds",
    "unnest($1::bytea[], $3::int[]) AS k(pubkey, kind)",
    "e.pubkey = k.pubkey AND e.kind = k.kind",
  ),
  // event_pubkey_created_at_idx, per author.
  authors: perValue("bigbrotr_events_by_authors", "unnest($1::bytea[]) AS k(v)", "e.pubkey = k.v"),
  // event_kind_created_at_idx, per kind.
  kinds: perValue("bigbrotr_events_by_kinds", "unnest($1::int[]) AS k(v)", "e.kind = k.v"),
  // event_tag_pkey (tag, created_at, event_id) per value of the first tag condition, each row
  // probing its event in its one partition; an event holding two of the values is read twice.
  tag: {
    name: "bigbrotr_events_by_tag",
    text: page(
      `SELECT DISTINCT ON (x.created_at, x.id) x.* FROM unnest($1::text[]) AS k(v)
       CROSS JOIN LATERAL (
         SELECT ${COLUMNS}
         FROM event_tag t
         CROSS JOIN LATERAL (SELECT * FROM event e WHERE e.id = t.event_id LIMIT 1) AS e
         WHERE t.tag = hashtextextended(k.v, 0)
           AND t.created_at >= $7::bigint AND t.created_at <= $8::bigint
           AND (t.created_at, t.event_id) < ($8::bigint, $9::bytea) ${CONDITIONS}
         ORDER BY t.created_at DESC, t.event_id DESC
         LIMIT $10::int) AS x
       ORDER BY x.created_at DESC, x.id DESC`,
      "$10::int",
      "$11::bigint",
    ),
  },
  // event_created_at_idx (created_at, id): $1 created_at at least, ($2, $3) the bound, $4 size,
  // $5 the byte budget.
  newest: {
    name: "bigbrotr_events_newest",
    text: page(
      `SELECT ${COLUMNS} FROM event e
       WHERE e.created_at >= $1::bigint AND e.created_at <= $2::bigint
         AND (e.created_at, e.id) < ($2::bigint, $3::bytea)
       ORDER BY e.created_at DESC, e.id DESC
       LIMIT $4::int`,
      "$4::int",
      "$5::bigint",
    ),
  },
};
