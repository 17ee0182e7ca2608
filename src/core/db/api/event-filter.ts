/**
 * Archived events matching a NIP-01 filter, newest first, in keyset pages on (created_at, id),
 * each with the relays it was seen on. The statement is fixed text: an absent condition is a
 * NULL parameter, which the server folds away when it plans the unnamed statement with its
 * values, so each filter is served by its index (ids: event_pkey; authors:
 * event_pubkey_created_at_idx; kinds: event_kind_created_at_idx; a #tag: event_tagvalues_idx;
 * none: event_created_at_idx); a single author or kind is sent as an equality, which the
 * planner estimates far better than `= ANY` of a one-element array. Up to MAX_TAG_FILTERS tag conditions, each matching any of its
 * values (NIP-01), all of them together.
 */
import type { Db } from "../pool.js";
import type { SelectedEvent } from "../read/events.js";
import { any } from "../sql.js";

export const MAX_TAG_FILTERS = 3;

export interface EventFilter {
  ids?: readonly string[];
  authors?: readonly string[];
  kinds?: readonly number[];
  /** `#x` conditions: the single-letter name and the values any of which must be present. */
  tags?: readonly { name: string; values: readonly string[] }[];
  since?: number;
  until?: number;
}

export interface NewestCursor {
  createdAt: number;
  id: string;
}

export interface FoundEvent extends Omit<SelectedEvent, "relays"> {
  /** URLs of the relays it was seen on, in code-point order. */
  relays: string[];
}

export interface FoundPage {
  events: FoundEvent[];
  next: NewestCursor | null;
}

const FIND = `
  SELECT encode(e.id, 'hex') AS id, encode(e.pubkey, 'hex') AS pubkey, e.created_at, e.kind,
    e.tags, e.content, encode(e.sig, 'hex') AS sig,
    ARRAY(SELECT r.url FROM event_relay er JOIN relay r ON r.id = er.relay_id
          WHERE er.event_id = e.id ORDER BY r.url COLLATE "C") AS relays
  FROM event e
  WHERE ($1::bytea[] IS NULL OR e.id = ANY ($1::bytea[]))
    AND ($2::bytea[] IS NULL OR e.pubkey = ANY ($2::bytea[]))
    AND ($12::bytea IS NULL OR e.pubkey = $12::bytea)
    AND ($3::int[] IS NULL OR e.kind = ANY ($3::int[]))
    AND ($13::int IS NULL OR e.kind = $13::int)
    AND ($4::text[] IS NULL OR e.tagvalues && $4::text[])
    AND ($5::text[] IS NULL OR e.tagvalues && $5::text[])
    AND ($6::text[] IS NULL OR e.tagvalues && $6::text[])
    AND ($7::bigint IS NULL OR e.created_at >= $7::bigint)
    AND ($8::bigint IS NULL OR e.created_at <= $8::bigint)
    AND ($9::bigint IS NULL OR e.created_at <= $9::bigint)
    AND ($9::bigint IS NULL OR (e.created_at, e.id) < ($9::bigint, decode($10::text, 'hex')))
  ORDER BY e.created_at DESC, e.id DESC
  LIMIT $11::int`;

const bytes = (hex: readonly string[] | undefined) =>
  hex === undefined ? null : hex.map((h) => Buffer.from(h, "hex"));

/** One page of matching events, newest first, before `before` (exclusive). */
export async function findEvents(
  db: Db,
  filter: EventFilter,
  options: { before?: NewestCursor; limit: number },
): Promise<FoundPage> {
  const tags = filter.tags ?? [];
  if (tags.length > MAX_TAG_FILTERS) {
    throw new RangeError(`at most ${MAX_TAG_FILTERS} tag conditions`);
  }
  const tagParam = (i: number) => {
    const t = tags[i];
    return t === undefined ? null : t.values.map((v) => `${t.name}:${v}`);
  };
  const [author, ...moreAuthors] = filter.authors ?? [];
  const [kind, ...moreKinds] = filter.kinds ?? [];
  const oneAuthor = author !== undefined && moreAuthors.length === 0;
  const oneKind = kind !== undefined && moreKinds.length === 0;
  const events = await any<FoundEvent>(db, FIND, [
    bytes(filter.ids),
    oneAuthor ? null : bytes(filter.authors),
    oneKind || filter.kinds === undefined ? null : [...filter.kinds],
    tagParam(0),
    tagParam(1),
    tagParam(2),
    filter.since ?? null,
    filter.until ?? null,
    options.before?.createdAt ?? null,
    options.before?.id ?? null,
    options.limit,
    oneAuthor ? Buffer.from(author, "hex") : null,
    oneKind ? kind : null,
  ]);
  const last = events.at(-1);
  const next =
    last !== undefined && events.length === options.limit
      ? { createdAt: last.created_at, id: last.id }
      : null;
  return { events, next };
}
