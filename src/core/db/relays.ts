import type { Relay } from "../../models/relay.js";
import type { Db } from "./pool.js";
import { affected, any, compareBy, uniqueBy } from "./sql.js";

const INSERT_RELAYS = `
  INSERT INTO relay (url, network, discovered_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
  ON CONFLICT (url) DO NOTHING`;

function sortedUnique(relays: readonly Relay[]): Relay[] {
  return uniqueBy(relays, (r) => r.url).sort(compareBy((r) => r.url));
}

function relayParams(rows: readonly Relay[]): unknown[] {
  return [rows.map((r) => r.url), rows.map((r) => r.network), rows.map((r) => r.discoveredAt)];
}

/** Inserts relays (first row of each URL wins, in URL order); returns how many were new. */
export async function insertRelays(db: Db, relays: readonly Relay[]): Promise<number> {
  const rows = sortedUnique(relays);
  if (rows.length === 0) return 0;
  return affected(db, INSERT_RELAYS, relayParams(rows));
}

// The CTE's insert is invisible to the second SELECT (one snapshot), so the union returns
// each URL exactly once: from `added` when it is new, from `relay` when it was there.
const UPSERT_IDS = `
  WITH added AS (
    INSERT INTO relay (url, network, discovered_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
    ON CONFLICT (url) DO NOTHING
    RETURNING id, url
  )
  SELECT id, url, true AS new FROM added
  UNION ALL
  SELECT id, url, false AS new FROM relay WHERE url = ANY($1::text[])`;

export interface RelayIdsResult {
  ids: Map<string, number>;
  /** Relays that did not exist before. */
  inserted: number;
}

/**
 * The id of every relay, inserting the missing ones (first row of each URL wins). A relay that
 * a concurrent transaction inserts and has not committed yet makes this wait for it; if that
 * transaction rolls back, this one inserts the relay itself.
 */
export async function upsertRelayIds(db: Db, relays: readonly Relay[]): Promise<RelayIdsResult> {
  const rows = sortedUnique(relays);
  const ids = new Map<string, number>();
  if (rows.length === 0) return { ids, inserted: 0 };
  const found = await any<{ id: number; url: string; new: boolean }>(
    db,
    UPSERT_IDS,
    relayParams(rows),
  );
  let inserted = 0;
  for (const r of found) {
    ids.set(r.url, r.id);
    if (r.new) inserted += 1;
  }
  // A relay another transaction committed while this statement waited on it is not in this
  // statement's snapshot: read it with a new one.
  const late = rows.filter((r) => !ids.has(r.url)).map((r) => r.url);
  for (const [url, id] of await relayIdsByUrl(db, late)) ids.set(url, id);
  return { ids, inserted };
}

/** The ids of the relays that exist among `urls` (unknown URLs are absent from the map). */
export async function relayIdsByUrl(db: Db, urls: readonly string[]): Promise<Map<string, number>> {
  if (urls.length === 0) return new Map();
  const rows = await any<{ id: number; url: string }>(
    db,
    "SELECT id, url FROM relay WHERE url = ANY($1::text[])",
    [[...new Set(urls)]],
  );
  return new Map(rows.map((r) => [r.url, r.id]));
}

/** Which of `ids` still name a relay. */
export async function existingRelayIds(db: Db, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await any<{ id: number }>(db, "SELECT id FROM relay WHERE id = ANY($1::int[])", [
    [...new Set(ids)],
  ]);
  return new Set(rows.map((r) => r.id));
}

/**
 * URL → id cache of one writer, so archiving a batch costs one small id check instead of a
 * URL lookup per sighting. Ids are never reused or changed (a trigger refuses updates), so
 * an entry can only go stale by its relay being deleted: `resolve` checks that the cached
 * ids still exist, in the caller's transaction, and looks up again those that do not.
 */
export class RelayIdCache {
  readonly #ids = new Map<string, number>();
  readonly #max: number;

  constructor(maxEntries = 100_000) {
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#ids.size;
  }

  /**
   * Ids of `relays`, inserting missing relays. Must run inside the transaction that uses the
   * ids, after it took the sightings lock (event-relays.ts): no relay can then be deleted
   * before that transaction ends.
   */
  async resolve(db: Db, relays: readonly Relay[]): Promise<RelayIdsResult> {
    const ids = new Map<string, number>();
    const cached: number[] = [];
    for (const r of relays) {
      const id = this.#ids.get(r.url);
      if (id !== undefined) {
        ids.set(r.url, id);
        cached.push(id);
      }
    }
    if (cached.length > 0) {
      const alive = await existingRelayIds(db, cached);
      for (const [url, id] of ids) {
        if (alive.has(id)) continue;
        ids.delete(url);
        this.#ids.delete(url);
      }
    }
    const missing = relays.filter((r) => !ids.has(r.url));
    if (missing.length === 0) return { ids, inserted: 0 };
    const fresh = await upsertRelayIds(db, missing);
    if (this.#ids.size + fresh.ids.size > this.#max) this.#ids.clear();
    for (const [url, id] of fresh.ids) {
      ids.set(url, id);
      this.#ids.set(url, id);
    }
    return { ids, inserted: fresh.inserted };
  }
}
