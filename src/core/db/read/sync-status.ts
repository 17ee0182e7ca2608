/**
 * The synchronizer's progress as `bigbrotr status` shows it, read from its cursors in
 * service_state (synchronizer, cursor, <relay url>): { until, gaps: [{since, until, filter,
 * reason}], page_size, sync_path: {path, reason, detail, at}, relay_lacks, … }
 * (src/services/synchronizer/cursor.ts).
 */
import type { Db } from "../pool.js";
import { SYNCHRONIZER as SERVICE } from "../service-state/services.js";
import { any, one } from "../sql.js";

export interface SyncGapWindow {
  since: number;
  until: number;
  reason: string;
}

export interface SyncGapRelay {
  url: string;
  /** Gaps recorded in the relay's cursor. */
  gaps: number;
  /** Its most recent gaps (at most `windowsPerRelay`). */
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
const CURSORS = `
  WITH c AS (
    SELECT state_key AS url,
      CASE WHEN jsonb_typeof(state_value -> 'until') = 'number'
        THEN (state_value ->> 'until')::float8::bigint ELSE -1 END AS until,
      CASE WHEN jsonb_typeof(state_value -> 'gaps') = 'array'
        THEN jsonb_array_length(state_value -> 'gaps') ELSE 0 END AS gaps,
      CASE WHEN jsonb_typeof(state_value -> 'relay_lacks') = 'number'
        THEN (state_value ->> 'relay_lacks')::float8::bigint ELSE 0 END AS lacks
    FROM service_state WHERE service_name = $1 AND state_type = 'cursor')`;

const SUMMARY = `${CURSORS}
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

// The latest gaps are at the end of the array (cursor.ts keeps the newest MAX_GAPS).
const GAP_RELAYS = `${CURSORS}
  SELECT c.url, c.gaps,
    coalesce((
      SELECT jsonb_agg(jsonb_build_object('since', g -> 'since', 'until', g -> 'until',
                                          'reason', g -> 'reason') ORDER BY i DESC)
      FROM service_state s,
        jsonb_array_elements(s.state_value -> 'gaps') WITH ORDINALITY AS e(g, i)
      WHERE s.service_name = $1 AND s.state_type = 'cursor' AND s.state_key = c.url
        AND i > c.gaps - $3
    ), '[]'::jsonb) AS windows
  FROM c WHERE c.gaps > 0
  ORDER BY c.gaps DESC, c.url
  LIMIT $2`;

const PATHS = `
  SELECT p ->> 'path' AS path, p ->> 'reason' AS reason, count(*)::int AS relays,
    (array_agg(state_key ORDER BY state_key))[1] AS example,
    (array_agg(coalesce(p ->> 'detail', '') ORDER BY state_key))[1] AS detail
  FROM service_state, LATERAL (SELECT state_value -> 'sync_path' AS p) x
  WHERE service_name = $1 AND state_type = 'cursor' AND jsonb_typeof(p) = 'object'
    AND jsonb_typeof(p -> 'path') = 'string' AND jsonb_typeof(p -> 'reason') = 'string'
  GROUP BY 1, 2
  ORDER BY 3 DESC, 1, 2`;

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
  }>(db, SUMMARY, [SERVICE, options.now - within]);
  const paths = await any<SyncPathCount>(db, PATHS, [SERVICE]);
  const rows =
    s.relays_with_gaps === 0
      ? []
      : await any<{ url: string; gaps: number; windows: SyncGapWindow[] }>(db, GAP_RELAYS, [
          SERVICE,
          options.limit ?? 5,
          options.windowsPerRelay ?? 3,
        ]);
  return {
    relays: s.relays,
    caughtUp: s.caught_up,
    notStarted: s.not_started,
    oldestUntil: s.oldest_until,
    oldestUrl: s.oldest_url,
    gaps: s.gaps,
    relaysWithGaps: s.relays_with_gaps,
    gapRelays: rows.map((r) => ({ url: r.url, gaps: r.gaps, windows: r.windows })),
    paths,
    relayLacks: s.relay_lacks,
    relaysLacking: s.relays_lacking,
  };
}
