/**
 * The synchronizer's progress as `bigbrotr status` shows it, read from its cursors in
 * service_state (synchronizer, cursor, <relay url>): { until, gaps: [{since, until, filter,
 * reason}], page_size, … } (src/services/synchronizer/cursor.ts).
 */
import type { Db } from "../pool.js";
import { any, one } from "../sql.js";

const SERVICE = "synchronizer";

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
        THEN jsonb_array_length(state_value -> 'gaps') ELSE 0 END AS gaps
    FROM service_state WHERE service_name = $1 AND state_type = 'cursor')`;

const SUMMARY = `${CURSORS}
  SELECT count(*)::int AS relays,
    count(*) FILTER (WHERE until >= $2)::int AS caught_up,
    count(*) FILTER (WHERE until < 0)::int AS not_started,
    coalesce(sum(gaps), 0)::int AS gaps,
    count(*) FILTER (WHERE gaps > 0)::int AS relays_with_gaps,
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
  }>(db, SUMMARY, [SERVICE, options.now - within]);
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
  };
}
