import type { Db } from "./pool.js";
import { any } from "./sql.js";

/** A position in the walk of events in storing order: (stored_xid, event id). */
export interface ScanPosition {
  /** The storing transaction's id (xid8, decimal); "0" before the first event. */
  xid: string;
  /** Lower-case hex; "" before the first event. */
  id: string;
}

export interface EventScanOptions {
  after: ScanPosition;
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
  xid: string;
  id: string;
  kind: number;
  tags: unknown;
  tagvalues: string[] | null;
  content: string | null;
  content_too_large: boolean;
}

/*
 * One global walk over events in (stored_xid, id) order, up to the oldest transaction still
 * running: every transaction below it has ended (committed or not), and any that starts later
 * gets a larger id, so nothing can appear behind the walk. Each event is read once (not once
 * per relay), no sighting is read, and a slow archive transaction is waited for, never
 * skipped. event_stored_xid_idx gives the order; ties within a transaction are sorted by id.
 */
const SCAN = `
  SELECT e.stored_xid::text AS xid, encode(e.id, 'hex') AS id, e.kind, e.tags,
         CASE WHEN e.tags IS NULL THEN e.tagvalues END AS tagvalues,
         CASE WHEN e.kind IN (2, 3) AND octet_length(e.content) <= $4 THEN e.content END AS content,
         coalesce(e.kind IN (2, 3) AND octet_length(e.content) > $4, false) AS content_too_large
  FROM event e
  WHERE e.stored_xid >= $1::text::xid8
    AND (e.stored_xid > $1::text::xid8 OR e.id > decode($2, 'hex'))
    AND e.stored_xid < pg_snapshot_xmin(pg_current_snapshot())
    AND ($5::int[] IS NULL OR e.kind = ANY($5::int[]))
  ORDER BY e.stored_xid, e.id
  LIMIT $3`;

/** The next page of events after `after` in storing order. */
export async function scanEvents(db: Db, options: EventScanOptions): Promise<ScannedEventRow[]> {
  const rows = await any<Row>(db, SCAN, [
    options.after.xid,
    options.after.id,
    options.limit,
    options.maxContentBytes,
    options.kinds,
  ]);
  return rows.map((r) => ({
    xid: r.xid,
    id: r.id,
    kind: r.kind,
    tags: r.tags,
    tagvalues: r.tagvalues,
    content: r.content,
    contentTooLarge: r.content_too_large,
  }));
}

/** What the walk reads of a NIP-66 event: who signed it, when, and its tags. */
export interface ScannedNip66Row extends ScanPosition {
  kind: number;
  pubkey: string;
  createdAt: number;
  /** Parsed jsonb; null in lilbrotr (tags are not kept there). */
  tags: unknown;
}

/*
 * The same walk as SCAN (same order, same horizon), for the few kinds the monitor's peers
 * phase reads, with the signer and time. Every row is an event whose signature was verified
 * before it was archived.
 */
const SCAN_SIGNED = `
  SELECT e.stored_xid::text AS xid, encode(e.id, 'hex') AS id, e.kind,
         encode(e.pubkey, 'hex') AS pubkey, e.created_at, e.tags
  FROM event e
  WHERE e.stored_xid >= $1::text::xid8
    AND (e.stored_xid > $1::text::xid8 OR e.id > decode($2, 'hex'))
    AND e.stored_xid < pg_snapshot_xmin(pg_current_snapshot())
    AND e.kind = ANY($4::int[])
  ORDER BY e.stored_xid, e.id
  LIMIT $3`;

/** The next page of events of `kinds` after `after` in storing order, with signer and time. */
export async function scanSignedEvents(
  db: Db,
  after: ScanPosition,
  kinds: readonly number[],
  limit: number,
): Promise<ScannedNip66Row[]> {
  const rows = await any<{
    xid: string;
    id: string;
    kind: number;
    pubkey: string;
    created_at: string;
    tags: unknown;
  }>(db, SCAN_SIGNED, [after.xid, after.id, limit, kinds]);
  return rows.map((r) => ({
    xid: r.xid,
    id: r.id,
    kind: r.kind,
    pubkey: r.pubkey,
    createdAt: Number(r.created_at),
    tags: r.tags,
  }));
}
