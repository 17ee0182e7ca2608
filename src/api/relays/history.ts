/**
 * One relay's up/down and RTT series in a time range, oldest first, in keyset pages whose
 * cursor is the time of a page's last point.
 */

import { readRttHistory } from "../../core/db/api/relay-history.js";
import type { Db } from "../../core/db/pool.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { ApiError } from "../errors.js";

export interface HistoryRange {
  since: number;
  until: number;
}

/**
 * The range asked for: until defaults to now, since to 7 days before until; a 400 naming
 * query.since when it is empty or spans more than `maxSpan` seconds.
 */
export function historyRange(
  asked: { since?: number | undefined; until?: number | undefined },
  now: number,
  maxSpan: number,
): HistoryRange {
  const until = asked.until ?? now;
  const since = asked.since ?? Math.max(0, until - 7 * 86_400);
  if (since > until || until - since > maxSpan) {
    throw new ApiError(400, "bad_request", "invalid query.since: the range is empty or too long", {
      issues: [
        {
          path: "query.since",
          message: `must be at most until, and until - since at most ${maxSpan} s`,
        },
      ],
    });
  }
  return { since, until };
}

const isTime = (p: unknown[]): p is [number] => p.length === 1 && Number.isSafeInteger(p[0]);

/** The time a history cursor continues after (a 400 when it is not one). */
export function historyAfter(cursor: string | undefined): number | undefined {
  return cursor ? decodeCursor(cursor, "history", isTime)[0] : undefined;
}

/** One page of points of `url` in `range` after the time `after`, and the next page's cursor. */
export async function historyPage(
  db: Db,
  url: string,
  page: HistoryRange & { after: number | undefined; limit: number },
) {
  const points = await readRttHistory(db, url, {
    since: page.since,
    until: page.until,
    ...(page.after !== undefined ? { after: page.after } : {}),
    limit: page.limit,
  });
  const last = points.at(-1);
  return {
    points: points.map((p) => ({
      t: p.t,
      up: p.up,
      rtt_open: p.rttOpen,
      rtt_read: p.rttRead,
      rtt_write: p.rttWrite,
    })),
    next: last && points.length === page.limit ? encodeCursor("history", [last.t]) : null,
  };
}
