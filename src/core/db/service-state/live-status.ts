import type { Db } from "../pool.js";
import { any } from "../sql.js";
import { deleteServiceState, upsertServiceState } from "./rows.js";
import { SYNCHRONIZER } from "./services.js";

/**
 * What each synchronizer process's live ingest reports for `bigbrotr status`: a `checkpoint`
 * row of the synchronizer under `live:<holder>`, rewritten every few seconds, deleted at a
 * clean stop (a dead process's row ages out: readers ignore rows older than a minute). This
 * file is the document's one owner: its keys, writer and reader.
 */
const PREFIX = "live:";

/** The stored keys, spelled once. */
const KEY = {
  open: "open",
  liveEventsPerS: "live_events_per_s",
  backfillEventsPerS: "backfill_events_per_s",
  lagP50Ms: "lag_p50_ms",
  lagP95Ms: "lag_p95_ms",
  reconnects: "reconnects",
  throttledRelays: "throttled_relays",
  throttledEvents: "throttled_events",
  rejected: "rejected",
} as const satisfies Record<Exclude<keyof LiveStatus, "holder" | "at">, string>;

export interface LiveStatus {
  holder: string;
  /** Unix seconds of the report. */
  at: number;
  /** Live subscriptions open. */
  open: number;
  /** Events new to the archive per second over the last interval, by path. */
  liveEventsPerS: number;
  backfillEventsPerS: number;
  /** Receipt → commit of recent live events, ms (null: none yet). */
  lagP50Ms: number | null;
  lagP95Ms: number | null;
  /** Since the process started. */
  reconnects: number;
  throttledRelays: number;
  throttledEvents: number;
  /** Live events refused (bad ids, signatures) or dropped (overflow, failed writes). */
  rejected: number;
}

/** Records one process's live report. */
export async function writeLiveStatus(db: Db, status: LiveStatus): Promise<void> {
  const { holder, at, ...rest } = status;
  const stateValue: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) stateValue[KEY[k as keyof typeof KEY]] = v;
  await upsertServiceState(
    db,
    [{ serviceName: SYNCHRONIZER, stateType: "checkpoint", stateKey: PREFIX + holder, stateValue }],
    { now: at },
  );
}

/** Removes this process's report (a clean stop). */
export async function deleteLiveStatus(db: Db, holder: string): Promise<void> {
  await deleteServiceState(db, SYNCHRONIZER, "checkpoint", [PREFIX + holder]);
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const orNull = (v: unknown): number | null => (typeof v === "number" ? v : null);

/** The reports written since `since` (unix seconds), one per live process. */
export async function readLiveStatus(db: Db, since: number): Promise<LiveStatus[]> {
  const rows = await any<{ state_key: string; state_value: Record<string, unknown>; at: number }>(
    db,
    `SELECT state_key, state_value, updated_at AS at FROM service_state
     WHERE service_name = $1 AND state_type = 'checkpoint' AND starts_with(state_key, $2)
       AND updated_at >= $3 ORDER BY state_key`,
    [SYNCHRONIZER, PREFIX, since],
  );
  return rows.map(({ state_key, state_value: v, at }) => ({
    holder: state_key.slice(PREFIX.length),
    at: Number(at),
    open: num(v[KEY.open]),
    liveEventsPerS: num(v[KEY.liveEventsPerS]),
    backfillEventsPerS: num(v[KEY.backfillEventsPerS]),
    lagP50Ms: orNull(v[KEY.lagP50Ms]),
    lagP95Ms: orNull(v[KEY.lagP95Ms]),
    reconnects: num(v[KEY.reconnects]),
    throttledRelays: num(v[KEY.throttledRelays]),
    throttledEvents: num(v[KEY.throttledEvents]),
    rejected: num(v[KEY.rejected]),
  }));
}
