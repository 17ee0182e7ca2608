/**
 * The synchronizer's progress as `bigbrotr status` shows it, read from the cursors
 * (sync-cursor.ts owns the document: its keys and the query of every cursor come from there).
 */
import type { Db } from "../pool.js";
import { any, one } from "../sql.js";
import { SYNCHRONIZER } from "./services.js";
import { CURSORS, type Gap, KEY, parseGaps, parsePath } from "./sync-cursor.js";

export type SyncGapWindow = Pick<Gap, "since" | "until" | "reason">;

export interface SyncGapRelay {
  url: string;
  /** Gaps recorded in the relay's cursor. */
  gaps: number;
  /** Its most recent gaps (at most `windowsPerRelay`), newest first. */
  windows: SyncGapWindow[];
}

/** Relays by how they were last synced (NIP-77 or REQ windows) and why. */
export interface SyncPathCount {
  path: string;
  reason: string;
  relays: number;
  /** One of them (the first URL), with what happened there. */
  example: string;
  detail: string;
}

/** The synchronizer's progress as `bigbrotr status` shows it. */
export interface SyncStatus {
  /** Relays with a cursor. */
  relays: number;
  /** Cursors whose `until` is within `caughtUpWithin` seconds of now. */
  caughtUp: number;
  /** Cursors that have fetched nothing yet (until −1 or missing). */
  notStarted: number;
  /** The oldest `until` among started cursors (unix seconds), null when none. */
  oldestUntil: number | null;
  oldestUrl: string | null;
  /** Gaps over every cursor. */
  gaps: number;
  relaysWithGaps: number;
  /** The relays with the most gaps (at most `limit`), most first. */
  gapRelays: SyncGapRelay[];
  paths: SyncPathCount[];
  /** Ids seen on relays that their NIP-77 sets lacked at the last reconciliation, and where. */
  relayLacks: number;
  relaysLacking: number;
}

export interface SyncStatusOptions {
  now: number;
  /** A cursor this close to now counts as caught up (seconds; default 3600). */
  caughtUpWithin?: number;
  /** Relays with gaps listed (default 5). */
  limit?: number;
  /** Gap windows listed per relay (default 3). */
  windowsPerRelay?: number;
}

// A malformed document counts as not started and gapless rather than failing the read.
const SUMMARY = `WITH c AS (${CURSORS})
  SELECT count(*)::int AS relays,
    count(*) FILTER (WHERE until >= $2)::int AS caught_up,
    count(*) FILTER (WHERE until < 0)::int AS not_started,
    coalesce(sum(gaps), 0)::int AS gaps,
    count(*) FILTER (WHERE gaps > 0)::int AS relays_with_gaps,
    coalesce(sum(lacks), 0)::bigint AS relay_lacks,
    count(*) FILTER (WHERE lacks > 0)::int AS relays_lacking,
    (SELECT until FROM c WHERE until >= 0 ORDER BY until, url LIMIT 1) AS oldest_until,
    (SELECT url FROM c WHERE until >= 0 ORDER BY until, url LIMIT 1) AS oldest_url
  FROM c`;

const GAP_RELAYS = `WITH c AS (${CURSORS})
  SELECT url, gaps, doc -> '${KEY.gaps}' AS gaps_doc FROM c
  WHERE gaps > 0 ORDER BY gaps DESC, url LIMIT $2`;

const PATHS = `WITH c AS (${CURSORS}) SELECT url, doc -> '${KEY.path}' AS path FROM c ORDER BY url`;

/** Cursors by sync path and reason, most relays first; the example is the first URL. */
function countPaths(rows: readonly { url: string; path: unknown }[]): SyncPathCount[] {
  const counts = new Map<string, SyncPathCount>();
  for (const row of rows) {
    const p = parsePath(row.path);
    if (p === null) continue;
    const key = JSON.stringify([p.path, p.reason]);
    const seen = counts.get(key);
    if (seen) seen.relays++;
    else counts.set(key, { ...p, relays: 1, example: row.url });
  }
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...counts.values()]
    .map(({ path, reason, relays, example, detail }) => ({ path, reason, relays, example, detail }))
    .sort((a, b) => b.relays - a.relays || text(a.path, b.path) || text(a.reason, b.reason));
}

export async function readSyncStatus(db: Db, options: SyncStatusOptions): Promise<SyncStatus> {
  const within = options.caughtUpWithin ?? 3600;
  const s = await one<{
    relays: number;
    caught_up: number;
    not_started: number;
    gaps: number;
    relays_with_gaps: number;
    oldest_until: number | null;
    oldest_url: string | null;
    relay_lacks: number;
    relays_lacking: number;
  }>(db, SUMMARY, [SYNCHRONIZER, options.now - within]);
  const paths = countPaths(await any<{ url: string; path: unknown }>(db, PATHS, [SYNCHRONIZER]));
  const rows =
    s.relays_with_gaps === 0
      ? []
      : await any<{ url: string; gaps: number; gaps_doc: unknown }>(db, GAP_RELAYS, [
          SYNCHRONIZER,
          options.limit ?? 5,
        ]);
  // The newest gaps, newest first (cursorRow keeps them oldest first).
  const n = options.windowsPerRelay ?? 3;
  const newest = (gaps: unknown) => (n > 0 ? parseGaps(gaps).slice(-n).reverse() : []);
  return {
    relays: s.relays,
    caughtUp: s.caught_up,
    notStarted: s.not_started,
    oldestUntil: s.oldest_until,
    oldestUrl: s.oldest_url,
    gaps: s.gaps,
    relaysWithGaps: s.relays_with_gaps,
    gapRelays: rows.map((r) => ({
      url: r.url,
      gaps: r.gaps,
      windows: newest(r.gaps_doc).map(({ since, until, reason }) => ({ since, until, reason })),
    })),
    paths,
    relayLacks: s.relay_lacks,
    relaysLacking: s.relays_lacking,
  };
}
