/**
 * What `bigbrotr relay` reads (docs/relay.md): a REQ's stored events in NIP-01 order, the
 * exact COUNT of a REQ's filters, the negentropy records of a filter, and the events the
 * live feed announced. SQL of a filter: filter-sql.ts.
 */
import type { Filter, NostrEvent } from "../../../models/event-types.js";
import type { Db } from "../pool.js";
import { any, one } from "../sql.js";
import { type FilterSql, filterSql, matchesNothing } from "./filter-sql.js";

/** An archived event: whole, or (lilbrotr) only what the profile keeps. */
export type StoredEvent = NostrEvent | IndexedEvent;

/** What a lilbrotr archive keeps of an event. */
export interface IndexedEvent {
  id: string;
  pubkey: string;
  created_at: number;
  kind: number;
}

/** An event row as OUT returns it: the binary columns hex-encoded by the server. */
interface EventRow {
  id: string;
  pubkey: string;
  created_at: string | number;
  kind: number;
  tags: string[][] | null;
  content: string | null;
  sig: string | null;
}

const COLS = "e.id, e.pubkey, e.created_at, e.kind, e.tags, e.content, e.sig";
/** The columns of rows `x` (COLS) as sent: hex by the server, not bytea parsed and re-encoded here. */
const OUT = `encode(x.id, 'hex') AS id, encode(x.pubkey, 'hex') AS pubkey, x.created_at, x.kind,
  x.tags, x.content, encode(x.sig, 'hex') AS sig`;

function toEvent(r: EventRow): StoredEvent {
  const head = { id: r.id, pubkey: r.pubkey, created_at: Number(r.created_at), kind: r.kind };
  if (r.tags === null || r.content === null || r.sig === null) return head;
  return { ...head, tags: r.tags, content: r.content, sig: r.sig };
}

/** NIP-01 order: newest first, ties by lowest id. */
export function nip01Order(a: { created_at: number; id: string }, b: typeof a): number {
  if (a.created_at !== b.created_at) return b.created_at - a.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The first `limit` stored events of one filter in NIP-01 order. */
export async function reqEvents(db: Db, filter: Filter, limit: number): Promise<StoredEvent[]> {
  if (limit <= 0 || matchesNothing(filter)) return [];
  const sql = filterSql(filter);
  const n = sql.params.length + 1;
  // Named: each connection keeps one generic plan per driver, the same index-ordered plan
  // whatever the values, instead of planning the event partitions again for every REQ.
  const statement = {
    name: `bigbrotr_relay_req_${sql.driver}`,
    text: `SELECT DISTINCT ON (x.created_at, x.id) ${OUT} FROM (${sql.text(0, COLS, `$${n}::int`)}) AS x
     ORDER BY x.created_at DESC, x.id ASC LIMIT $${n}::int`,
  };
  const rows = await any<EventRow>(db, statement, [...sql.params, limit]);
  return rows.map(toEvent);
}

/**
 * Several filters' statements side by side, their parameters numbered in turn (each event
 * once); "" when none can match. The DVM's event count reads through it too.
 */
export function union(
  filters: readonly Filter[],
  cols: string,
): { text: string; params: unknown[] } {
  const parts: FilterSql[] = filters.filter((f) => !matchesNothing(f)).map(filterSql);
  const params: unknown[] = [];
  const texts = parts.map((part) => {
    const text = part.text(params.length, cols, null);
    params.push(...part.params);
    return text;
  });
  return { text: texts.join("\nUNION\n"), params };
}

/** Exact number of stored events matching any of `filters` (NIP-45), each counted once. */
export async function countEvents(db: Db, filters: readonly Filter[]): Promise<number> {
  const { text, params } = union(filters, "e.id");
  if (text === "") return 0;
  const row = await one<{ n: number }>(db, `SELECT count(*)::int AS n FROM (${text}) AS s`, params);
  return row.n;
}

/**
 * The distinct authors (32-byte pubkeys) of the stored events matching `filter`, at most
 * `max + 1` (more: too many to fold into a NIP-45 hll in one answer).
 */
export async function matchingAuthors(db: Db, filter: Filter, max: number): Promise<Buffer[]> {
  const { text, params } = union([filter], "e.pubkey");
  if (text === "") return [];
  const rows = await any<{ pubkey: Buffer }>(
    db,
    `SELECT DISTINCT s.pubkey FROM (${text}) AS s LIMIT $${params.length + 1}::int`,
    [...params, max + 1],
  );
  return rows.map((r) => r.pubkey);
}

/** A negentropy record: the event's time and id. */
export interface StoredRecord {
  createdAt: number;
  id: Buffer;
}

/** The records of events matching `filter`, at most `max + 1` (more: too many to reconcile). */
export async function negentropyRecords(
  db: Db,
  filter: Filter,
  max: number,
): Promise<StoredRecord[]> {
  const { text, params } = union([filter], "e.created_at, e.id");
  if (text === "") return [];
  const rows = await any<{ created_at: string | number; id: Buffer }>(
    db,
    `SELECT s.created_at, s.id FROM (${text}) AS s LIMIT $${params.length + 1}::int`,
    [...params, max + 1],
  );
  return rows.map((r) => ({ createdAt: Number(r.created_at), id: r.id }));
}

/** The stored events among `ids` (hex), in no order. */
export async function eventsByIds(db: Db, ids: readonly string[]): Promise<StoredEvent[]> {
  if (ids.length === 0) return [];
  const rows = await any<EventRow>(
    db,
    `SELECT ${OUT} FROM unnest($1::bytea[]) AS k(v)
     CROSS JOIN LATERAL (SELECT ${COLS} FROM event e WHERE e.id = k.v LIMIT 1) AS x`,
    [ids.map((id) => Buffer.from(id, "hex"))],
  );
  return rows.map(toEvent);
}
