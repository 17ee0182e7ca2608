/**
 * The `{ timestamp }` checkpoint: when something was last done (unix seconds), a `checkpoint`
 * row of service_state. The monitor keeps one per relay (its last check, committed with the
 * check's history) and one per periodic event (`profile`, `relay_list`, `announcement`); the
 * finder keeps one per API source (finder-state.ts). This file is the document's one owner:
 * its type and key, its tolerant parser, its row builder, and every statement on the monitor's
 * checkpoints (the relays due for a check, `bigbrotr status`, the cleanup of relays gone).
 */
import type { Network } from "../../../models/network.js";
import type { ServiceState } from "../../../models/service-state.js";
import type { Db } from "../pool.js";
import { affected, any, countsBy, one } from "../sql.js";
import { documentInt, getServiceState, upsertServiceState } from "./rows.js";
import { MONITOR } from "./services.js";

export interface Checkpoint {
  /** Unix seconds. */
  timestamp: number;
}

/** The stored key, spelled once: checkpointRow writes it, the parser and the SQL read it. */
const KEY = { timestamp: "timestamp" } as const satisfies Record<keyof Checkpoint, string>;

/** A stored checkpoint's time, or null when the document is missing or malformed. */
export function parseCheckpoint(value: Record<string, unknown> | undefined): number | null {
  const t = value?.[KEY.timestamp];
  return typeof t === "number" && Number.isFinite(t) ? Math.trunc(t) : null;
}

/** The service_state row of a checkpoint. */
export function checkpointRow(serviceName: string, key: string, timestamp: number): ServiceState {
  return {
    serviceName,
    stateType: "checkpoint",
    stateKey: key,
    stateValue: { [KEY.timestamp]: timestamp },
  };
}

/** The stored key of a relay checkpoint's run duration (ms). */
const DURATION_MS = "duration_ms";

/**
 * The monitor's checkpoint of one relay: checked at `at` (written with the check's history),
 * the run having taken `durationMs` (the next cycle starts its slowest relays first).
 */
export function relayCheckpointRow(url: string, at: number, durationMs?: number): ServiceState {
  const row = checkpointRow(MONITOR, url, at);
  if (durationMs === undefined) return row;
  return { ...row, stateValue: { ...row.stateValue, [DURATION_MS]: Math.round(durationMs) } };
}

/** When the monitor last did `name` (a periodic event), null when never. */
export async function readMonitorMark(db: Db, name: string): Promise<number | null> {
  const [row] = await getServiceState(db, MONITOR, "checkpoint", name);
  return parseCheckpoint(row?.stateValue);
}

/** Records that the monitor did `name` at `at` (updated_at: the server's clock). */
export async function writeMonitorMark(db: Db, name: string, at: number): Promise<void> {
  await upsertServiceState(db, [checkpointRow(MONITOR, name, at)]);
}

/** A relay's last check as SQL, from the checkpoint row `c` (NULL when none or malformed). */
const CHECKED_AT = documentInt("c.state_value", KEY.timestamp, null);
/** How long its last run took (ms), NULL when unknown. */
const RUN_MS = documentInt("c.state_value", DURATION_MS, null);

/** The checkpoint of relay `r` as `c`, for a LEFT JOIN ($1 = the monitor's name). */
const CHECKPOINT_OF_R = `service_state c
  ON c.service_name = $1 AND c.state_type = 'checkpoint' AND c.state_key = r.url`;

export interface DueRelay {
  url: string;
  network: Network;
  /** Unix seconds of the last check, null before the first. */
  checkedAt: number | null;
}

export interface DueSelection {
  networks: readonly Network[];
  /** Due = never checked, or last checked at or before this (unix seconds). */
  checkedBefore: number;
  /**
   * Leases that have not expired at `now` hide their relays: every lease, or (with `holder`)
   * only those of other holders.
   */
  holder?: string;
  now: number;
  limit: number;
  /** Only these relays (re-checking a chunk after taking its leases). */
  urls?: readonly string[];
}

/**
 * Relays due for a check, slowest first by their last run (never checked first, then the
 * longest runs, ties by least recently checked and discovery): a cycle does not end waiting
 * on a slow relay started last. On an enabled network, with no checkpoint or an older one, and not leased
 * right now (by another process, or by anyone), so replicas pick different relays.
 */
export async function dueRelays(db: Db, s: DueSelection): Promise<DueRelay[]> {
  const rows = await any<{ url: string; network: Network; checked_at: string | null }>(
    db,
    `SELECT r.url, r.network, ${CHECKED_AT} AS checked_at
     FROM relay r
     LEFT JOIN ${CHECKPOINT_OF_R}
     WHERE r.network = ANY($2::text[])
       AND ($7::text[] IS NULL OR r.url = ANY($7::text[]))
       AND coalesce(${CHECKED_AT}, -1) <= $3
       AND NOT EXISTS (SELECT 1 FROM lease l
                       WHERE l.service = $1 AND l.item = r.url
                         AND l.holder IS DISTINCT FROM $4::text AND l.expires_at > $5)
     ORDER BY ${RUN_MS} DESC NULLS FIRST, coalesce(${CHECKED_AT}, -1), r.discovered_at, r.url
     LIMIT $6`,
    [MONITOR, s.networks, s.checkedBefore, s.holder ?? null, s.now, s.limit, s.urls ?? null],
  );
  return rows.map((r) => ({
    url: r.url,
    network: r.network,
    checkedAt: r.checked_at === null ? null : Number(r.checked_at),
  }));
}

/** How many relays are due per network (leases ignored): the monitor's backlog gauge. */
export async function countDueRelays(
  db: Db,
  networks: readonly Network[],
  checkedBefore: number,
): Promise<Map<Network, number>> {
  return countsBy<Network>(
    db,
    `SELECT r.network AS key, count(*) AS n
     FROM relay r
     LEFT JOIN ${CHECKPOINT_OF_R}
     WHERE r.network = ANY($2::text[]) AND coalesce(${CHECKED_AT}, -1) <= $3
     GROUP BY r.network`,
    [MONITOR, networks, checkedBefore],
  );
}

/**
 * Deletes the monitor's per-relay checkpoints whose relay is gone (keyed by a URL that is no
 * longer in `relay`), keeping the named ones in `keep` (`profile`, `relay_list`,
 * `announcement`, `last_cycle`). Returns how many were deleted.
 */
export async function deleteOrphanCheckpoints(db: Db, keep: readonly string[]): Promise<number> {
  return affected(
    db,
    `DELETE FROM service_state s
     WHERE s.service_name = $1 AND s.state_type = 'checkpoint'
       AND s.state_key <> ALL($2::text[])
       AND NOT EXISTS (SELECT 1 FROM relay r WHERE r.url = s.state_key)`,
    [MONITOR, [...keep]],
  );
}

/** The monitor's coverage as `bigbrotr status` shows it. */
export interface MonitorStatus {
  /** Relays on any network. */
  relays: number;
  /** Relays with a checkpoint (checked at least once). */
  checked: number;
  /** Checked within `recentWithin` seconds of now. */
  recent: number;
  /** Newest rtt check opened a connection / answered a read. */
  up: number;
  readable: number;
  /** The least recent check (unix seconds), null when none. */
  oldestCheck: number | null;
}

/**
 * Relays checked, how recently, and what their newest rtt check said (relay_latest_check,
 * relay_up and relay_readable of migration 000007).
 */
export async function readMonitorStatus(
  db: Db,
  options: { now: number; recentWithin: number },
): Promise<MonitorStatus> {
  const row = await one<Record<keyof MonitorStatus, string | null>>(
    db,
    `SELECT count(*) AS relays, count(c.t) AS checked,
       count(*) FILTER (WHERE c.t >= $1) AS recent,
       count(*) FILTER (WHERE relay_up(rtt.data)) AS up,
       count(*) FILTER (WHERE relay_readable(rtt.data)) AS readable,
       min(c.t) AS "oldestCheck"
     FROM relay r
     LEFT JOIN LATERAL (
       SELECT ${CHECKED_AT} AS t FROM service_state c
       WHERE c.service_name = $2 AND c.state_type = 'checkpoint' AND c.state_key = r.url
     ) c ON true
     LEFT JOIN LATERAL relay_latest_check(r.id, 'nip66_rtt') rtt ON true`,
    [options.now - options.recentWithin, MONITOR],
  );
  return {
    relays: Number(row.relays),
    checked: Number(row.checked),
    recent: Number(row.recent),
    up: Number(row.up),
    readable: Number(row.readable),
    oldestCheck: row.oldestCheck === null ? null : Number(row.oldestCheck),
  };
}
