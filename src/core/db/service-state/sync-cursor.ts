/**
 * The synchronizer's per-relay cursor: service_state (synchronizer, cursor, <relay url>),
 * committed in the same transaction as the sightings it covers (archiveEvents' `cursor`), so it
 * never runs ahead of the data. This file is the document's one owner: its type, its keys, its
 * tolerant parser, its row builder and every statement that reads it (the relays to sync,
 * `bigbrotr status`). The walk's arithmetic on it is services/synchronizer/cursor.ts.
 */
import type { Network } from "../../../models/network.js";
import type { Db } from "../pool.js";
import { any, one } from "../sql.js";
import { documentInt } from "./rows.js";
import { SYNCHRONIZER } from "./services.js";
import {
  type Gap,
  KEY,
  parseFailure,
  parseGaps,
  parsePath,
  type SyncFailure,
} from "./sync-cursor-doc.js";

export {
  cursorRow,
  filterKey,
  type Gap,
  MAX_GAPS,
  type OpenWindow,
  parseCursor,
  type SyncCursor,
  type SyncFailure,
  type SyncPath,
} from "./sync-cursor-doc.js";

/**
 * Every cursor with the keys SQL reads, each read once here: `until` (−1 when missing or
 * malformed), `gaps` (how many are recorded), `lacks` (relay_lacks), and the whole document
 * for the parser. $1 = the synchronizer's name.
 */
const CURSORS = `
  SELECT state_key AS url, state_value AS doc,
    ${documentInt("state_value", KEY.until, -1)} AS until,
    CASE WHEN jsonb_typeof(state_value -> '${KEY.gaps}') = 'array'
      THEN jsonb_array_length(state_value -> '${KEY.gaps}') ELSE 0 END AS gaps,
    ${documentInt("state_value", KEY.relayLacks, 0)} AS lacks
  FROM service_state WHERE service_name = $1 AND state_type = 'cursor'`;

export interface SyncCandidate {
  url: string;
  network: Network;
  /** The relay's stored cursor document (parseCursor reads it), or null before its first sync. */
  cursor: Record<string, unknown> | null;
  /** The relay's newest NIP-11 document (any age) lists NIP-77 in supported_nips… */
  nip11Lists77: boolean;
  /** …and its limitation.max_message_length, when it gives one. */
  nip11MaxMessage: number | null;
}

export interface SyncSelection {
  networks: readonly Network[];
  /** Only relays whose newest NIP-66 RTT check since `checkedSince` had a read time. */
  requireReadable: boolean;
  checkedSince: number;
  /** Only this relay (CLI `--relay`). */
  url?: string;
}

/**
 * Relays to synchronize, most behind first (no cursor, then the oldest `until`). "Readable"
 * is the monitor's word: its newest `nip66_rtt` document, within the age limit, is
 * relay_readable (a numeric `rtt_read`); relay_latest_check (migration 000007) finds the newest
 * NIP-11 and RTT checks.
 */
export async function relaysToSync(db: Db, selection: SyncSelection): Promise<SyncCandidate[]> {
  return any<SyncCandidate>(
    db,
    `SELECT r.url, r.network, c.doc AS cursor,
       coalesce(jsonb_typeof(nip11.d -> 'supported_nips') = 'array'
         AND (nip11.d -> 'supported_nips') @> '[77]'::jsonb, false) AS "nip11Lists77",
       CASE WHEN jsonb_typeof(nip11.d -> 'limitation' -> 'max_message_length') = 'number'
         THEN (nip11.d -> 'limitation' ->> 'max_message_length')::float8::bigint
       END AS "nip11MaxMessage"
     FROM relay r
     LEFT JOIN (${CURSORS}) c ON c.url = r.url
     LEFT JOIN LATERAL (SELECT l.data -> 'data' AS d
                        FROM relay_latest_check(r.id, 'nip11_info') l) nip11 ON true
     WHERE r.network = ANY($2::text[])
       AND ($5::text IS NULL OR r.url = $5)
       AND (NOT $3 OR EXISTS (
         SELECT 1 FROM relay_latest_check(r.id, 'nip66_rtt') rtt
         WHERE rtt.generated_at >= $4 AND relay_readable(rtt.data)))
     ORDER BY coalesce(c.until, -1), r.url`,
    [
      SYNCHRONIZER,
      selection.networks,
      selection.requireReadable,
      selection.checkedSince,
      selection.url ?? null,
    ],
  );
}

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
  /** Relays whose last run failed, and the ones failing longest (at most `limit`) with why (absent: none). */
  failing?: number;
  failingRelays?: (SyncFailure & { url: string })[];
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
    count(*) FILTER (WHERE doc ? '${KEY.failure}')::int AS failing,
    (SELECT until FROM c WHERE until >= 0 ORDER BY until, url LIMIT 1) AS oldest_until,
    (SELECT url FROM c WHERE until >= 0 ORDER BY until, url LIMIT 1) AS oldest_url
  FROM c`;

const GAP_RELAYS = `WITH c AS (${CURSORS})
  SELECT url, gaps, doc -> '${KEY.gaps}' AS gaps_doc FROM c
  WHERE gaps > 0 ORDER BY gaps DESC, url LIMIT $2`;

const FAILING = `WITH c AS (${CURSORS})
  SELECT url, doc -> '${KEY.failure}' AS failure FROM c WHERE doc ? '${KEY.failure}'
  ORDER BY ${documentInt("doc -> 'last_failure'", "count", 0)} DESC, url LIMIT $2`;

/** The relays failing longest, with their last failure. */
async function failingRelays(db: Db, limit: number): Promise<(SyncFailure & { url: string })[]> {
  const rows = await any<{ url: string; failure: unknown }>(db, FAILING, [SYNCHRONIZER, limit]);
  return rows.flatMap((r) => {
    const failure = parseFailure(r.failure);
    return failure ? [{ url: r.url, ...failure }] : [];
  });
}

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
    failing: number;
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
    // Present only when some relay is failing.
    ...(s.failing > 0
      ? { failing: s.failing, failingRelays: await failingRelays(db, options.limit ?? 5) }
      : {}),
  };
}
