/**
 * Archived events matching a NIP-01 filter, newest first, in keyset pages on (created_at, id),
 * each with the relays it was seen on. Up to MAX_TAG_FILTERS tag conditions, each matching any
 * of its values (NIP-01), all of them together.
 *
 * A page is read in the order of one index, chosen by the filter (the driver, event-pages.ts):
 * ids probe event_pkey; authors (with kinds: each pair) their (pubkey[, kind], created_at)
 * index; else the first tag condition the ordered tag index event_tag; else kinds their
 * (kind, created_at) index; else the time index. Each value's newest events are read until
 * the page is full, whatever else the filter says; the other conditions are checked on them.
 * An author's list is the most selective (an author writes a bounded share of the archive),
 * then a tag value, then a kind.
 */
import type { Db } from "../pool.js";
import type { SelectedEvent } from "../read/events.js";
import { any } from "../sql.js";
import { type Driver, PAGE_STATEMENTS } from "./event-pages.js";

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

export interface FoundEvent extends Omit<SelectedEvent, "relays" | "tags"> {
  /** The tags as JSON text, as PostgreSQL writes jsonb (null in a lilbrotr archive). */
  tags: string | null;
  /** URLs of the relays it was seen on, in code-point order. */
  relays: string[];
}

interface PageRow extends FoundEvent {
  /** Rows of the page before the byte budget's cut (bigint as text; null: not cut, ids). */
  page_rows: string | null;
}

export interface FoundPage {
  events: FoundEvent[];
  next: NewestCursor | null;
}

/** A bound above every stored (created_at, id): 33 bytes sort after any 32-byte id. */
const ABOVE_EVERY_ID = Buffer.alloc(33, 0xff);
const LATEST = Number.MAX_SAFE_INTEGER;
/** Most (author, kind) pairs read pair by pair; more are read author by author. */
const MAX_PAIRS = 100;

const bytes = (hex: readonly string[]) => [...new Set(hex)].map((h) => Buffer.from(h, "hex"));

/** The keyset bound (exclusive) of the page: the cursor, or just after `until`. */
function upperBound(
  filter: EventFilter,
  before: NewestCursor | undefined,
): { at: number; id: Buffer } {
  const until = filter.until ?? LATEST;
  if (before !== undefined && before.createdAt <= until) {
    return { at: before.createdAt, id: Buffer.from(before.id, "hex") };
  }
  return { at: until, id: ABOVE_EVERY_ID };
}

/** The index a page is read in: the filter's most selective list (docs/database.md). */
function driverOf(filter: EventFilter): Driver {
  const { ids, authors, kinds, tags } = filter;
  if (ids !== undefined) return "ids";
  if (authors !== undefined && kinds !== undefined) {
    return authors.length * kinds.length <= MAX_PAIRS ? "authorKinds" : "authors";
  }
  if (authors !== undefined) return "authors";
  if (tags !== undefined && tags.length > 0) return "tag";
  if (kinds !== undefined) return "kinds";
  return "newest";
}

function pageParams(filter: EventFilter, driver: Driver, page: PageOptions) {
  const { limit, before, maxBytes = NO_BUDGET } = page;
  const hi = upperBound(filter, before);
  const since = filter.since ?? 0;
  if (driver === "newest") return [since, hi.at, hi.id, limit, maxBytes];
  const tags = (filter.tags ?? []).map((t) => [...new Set(t.values)].map((v) => `${t.name}:${v}`));
  const kinds = filter.kinds === undefined ? null : [...new Set(filter.kinds)];
  const authors = filter.authors === undefined ? null : bytes(filter.authors);
  // Every (author, kind) pair, as two lists of the same length.
  const pairs = (authors ?? []).flatMap((a) => (kinds ?? []).map((k) => [a, k] as const));
  const values = {
    ids: () => bytes(filter.ids ?? []),
    authorKinds: () => pairs.map(([a]) => a),
    authors: () => authors,
    kinds: () => kinds,
    tag: () => tags[0] ?? [],
  }[driver]();
  return [
    values,
    driver === "authors" || driver === "authorKinds" ? null : authors,
    driver === "kinds" ? null : driver === "authorKinds" ? pairs.map(([, k]) => k) : kinds,
    tags[0] ?? null,
    tags[1] ?? null,
    tags[2] ?? null,
    since,
    hi.at,
    hi.id,
    limit,
    // The ids statement has no estimated cut (event-pages.ts).
    ...(driver === "ids" ? [] : [maxBytes]),
  ];
}

export interface PageOptions {
  /** Start after this event (exclusive); absent = from the newest. */
  before?: NewestCursor;
  limit: number;
  /**
   * Byte budget: the page ends (with a `next`) at the first event whose stored tags and content
   * would take the page's total past it, always keeping one. An estimate made before reading
   * the tags: the caller cuts again on the exact size of what it sends.
   */
  maxBytes?: number;
}

const NO_BUDGET = Number.MAX_SAFE_INTEGER;

/** One page of matching events, newest first, before `before` (exclusive). */
export async function findEvents(
  db: Db,
  filter: EventFilter,
  options: PageOptions,
): Promise<FoundPage> {
  if ((filter.tags?.length ?? 0) > MAX_TAG_FILTERS) {
    throw new RangeError(`at most ${MAX_TAG_FILTERS} tag conditions`);
  }
  const driver = driverOf(filter);
  const rows = await any<PageRow>(db, PAGE_STATEMENTS[driver], pageParams(filter, driver, options));
  const last = rows.at(-1);
  // More may follow when the page is full or the budget cut it.
  const pageRows = last?.page_rows == null ? rows.length : Number(last.page_rows);
  const more = last !== undefined && pageRows === options.limit;
  const cut = last !== undefined && rows.length < pageRows;
  const events = rows.map(({ page_rows: _, ...e }) => e);
  return {
    events,
    next: last && (more || cut) ? { createdAt: last.created_at, id: last.id } : null,
  };
}
