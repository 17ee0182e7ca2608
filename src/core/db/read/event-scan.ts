import type { Db } from "../pool.js";
import { any } from "../sql.js";

/** A position in the walk of events by first sighting: (first_seen_at, event id). */
export interface ScanPosition {
  seenAt: number;
  /** Lower-case hex; "" before the first event. */
  id: string;
}

export interface EventScanOptions {
  after: ScanPosition;
  /** Only events first seen at or before this time (unix seconds). */
  until: number;
  limit: number;
  /** Only these kinds (null = all). */
  kinds: readonly number[] | null;
  /** Content of kinds 2/3 above this many bytes is not fetched (contentTooLarge instead). */
  maxContentBytes: number;
}

/** What the scan reads of an event: enough to find relay URLs in it. */
export interface ScannedEventRow extends ScanPosition {
  kind: number;
  /** Parsed jsonb; null in lilbrotr. */
  tags: unknown;
  /** Only when `tags` is null (lilbrotr). */
  tagvalues: string[] | null;
  /** Content of kinds 2 and 3 only, null when absent or over the size limit. */
  content: string | null;
  contentTooLarge: boolean;
}

interface Row {
  seen_at: number;
  id: string;
  kind: number;
  tags: unknown;
  tagvalues: string[] | null;
  content: string | null;
  content_too_large: boolean;
}

/*
 * One global walk over events by (first_seen_at, id): first_seen_at is the earliest seen_at
 * of the sightings an event was first stored with, so an event stored from five relays is
 * read once, not five times as with per-relay cursors, and no sighting is read at all. The
 * index on event (first_seen_at) gives the order; ties within one second are sorted by id
 * (incremental sort). `until` (now − a settle time) keeps the walk clear of archive
 * transactions that have not committed yet.
 */
const SCAN = `
  SELECT e.first_seen_at AS seen_at, encode(e.id, 'hex') AS id, e.kind, e.tags,
         CASE WHEN e.tags IS NULL THEN e.tagvalues END AS tagvalues,
         CASE WHEN e.kind IN (2, 3) AND octet_length(e.content) <= $5 THEN e.content END AS content,
         coalesce(e.kind IN (2, 3) AND octet_length(e.content) > $5, false) AS content_too_large
  FROM event e
  WHERE e.first_seen_at >= $1 AND (e.first_seen_at > $1 OR e.id > decode($2, 'hex'))
    AND e.first_seen_at <= $3
    AND ($6::int[] IS NULL OR e.kind = ANY($6::int[]))
  ORDER BY e.first_seen_at, e.id
  LIMIT $4`;

/** The next page of events after `after` in first-sighting order, oldest first. */
export async function scanEvents(db: Db, options: EventScanOptions): Promise<ScannedEventRow[]> {
  const rows = await any<Row>(db, SCAN, [
    options.after.seenAt,
    options.after.id,
    options.until,
    options.limit,
    options.maxContentBytes,
    options.kinds,
  ]);
  return rows.map((r) => ({
    seenAt: r.seen_at,
    id: r.id,
    kind: r.kind,
    tags: r.tags,
    tagvalues: r.tagvalues,
    content: r.content,
    contentTooLarge: r.content_too_large,
  }));
}
