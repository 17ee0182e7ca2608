import type pg from "pg";
import { lockSightingsShared } from "../event-relays.js";
import type { Db } from "../pool.js";
import { exec, one } from "../sql.js";
import { transaction } from "../transaction.js";
import {
  addFreshSightings,
  PENDING_DELETIONS,
  resolvePubkeys,
  stageDeleted,
  stageStored,
} from "./changes.js";
import { applyEventChanges, repairEventExtremes } from "./event-summaries.js";
import { lockWatermark, oldestRunning, setWatermark, tryLockStatistics } from "./progress.js";
import { refreshStoredChecks, refreshTouchedChecks } from "./relay-checks.js";
import { applySightingChanges, repairSightingExtremes } from "./relay-summaries.js";
import { measureWindows } from "./windows.js";

/**
 * Brings the summary tables up to date (docs/database.md, "Refreshing"), one bounded
 * transaction ("chunk") at a time, each under the statistics lock and the sightings lock
 * (shared: archivers go on, deletes wait) and each committing its own counts with the
 * watermark that covers them:
 *   drain:  logged deletions are subtracted (the watermark stays), until none is left;
 *   walk:   what transactions in [watermark, end) stored is added and the watermark moves to
 *           `end`, at most `chunkRows` events, sightings and check snapshots past it;
 *   finish: relays whose history lost rows get their check summary again and the rolling
 *           windows are measured; the cycle ends.
 * The cycle walks up to the oldest transaction running when it began.
 */

export const DEFAULT_CHUNK_ROWS = 250_000;

export type ChunkPhase = "drain" | "walk" | "finish";

/** The steps of a chunk, timed: finding the changes, then each group of summaries. */
export type ChunkStep = "stage" | "events" | "relays" | "repair" | "checks" | "windows";

export interface Chunk {
  phase: ChunkPhase;
  /** Events / sightings added (walk) or log rows of deleted ones taken (drain). */
  events: number;
  sightings: number;
  /** Relays whose check summary was computed again. */
  checks: number;
  /** The watermark after the chunk (xid8 as decimal text). */
  watermark: string;
  durationMs: number;
  /** Milliseconds spent in each step. */
  steps: Partial<Record<ChunkStep, number>>;
}

export interface RefreshOptions {
  /** Most events, sightings, check snapshots or log rows of each per transaction. */
  chunkRows?: number;
  /** The clock of the rolling windows (unix seconds; default now). */
  now?: number;
  /** Checked between chunks: an aborted cycle stops after the chunk in progress. */
  signal?: AbortSignal;
  onChunk?(chunk: Chunk): void;
}

export interface RefreshReport {
  /** Another refresher held the statistics lock, so this one did nothing more. */
  busy: boolean;
  /** The cycle reached its target and measured the windows. */
  complete: boolean;
  chunks: number;
  events: number;
  sightings: number;
  deletedEvents: number;
  deletedSightings: number;
  checks: number;
  watermark: string;
}

type Step = "busy" | { target: string; chunk: Omit<Chunk, "durationMs"> };

/** Runs `fn` as `step` of a chunk, adding its duration to `steps`. */
async function timed<T>(steps: Chunk["steps"], step: ChunkStep, fn: () => Promise<T>) {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    steps[step] = (steps[step] ?? 0) + Math.round(performance.now() - started);
  }
}

async function chunkEnd(db: Db, from: string, upTo: string, limit: number): Promise<string> {
  const next = (table: string) => `(SELECT stored_xid FROM ${table}
    WHERE stored_xid >= $1::text::xid8 AND stored_xid < $2::text::xid8
    ORDER BY stored_xid OFFSET $3 LIMIT 1)`;
  const { end } = await one<{ end: string }>(
    db,
    `SELECT least(${next("event")}, ${next("event_relay")}, ${next("relay_metadata")},
       $2::text::xid8)::text AS "end"`,
    [from, upTo, limit],
  );
  // One transaction stored more than `limit` rows: it is walked whole.
  return end === from ? (BigInt(from) + 1n).toString() : end;
}

async function walk(db: Db, from: string, upTo: string, limit: number) {
  const steps: Chunk["steps"] = {};
  const { to, events, sightings } = await timed(steps, "stage", async () => {
    const end = await chunkEnd(db, from, upTo, limit);
    const staged = await stageStored(db, from, end);
    if (staged.events + staged.sightings > 0) {
      await resolvePubkeys(db);
      await addFreshSightings(db);
    }
    return { to: end, ...staged };
  });
  if (events + sightings > 0) {
    await timed(steps, "events", () => applyEventChanges(db, false));
    await timed(steps, "relays", () => applySightingChanges(db, from, false));
  }
  const checks = await timed(steps, "checks", () => refreshStoredChecks(db, from, to));
  await setWatermark(db, to);
  return { phase: "walk" as const, events, sightings, checks, watermark: to, steps };
}

async function drain(db: Db, watermark: string, limit: number) {
  const steps: Chunk["steps"] = {};
  const { events, sightings } = await timed(steps, "stage", async () => {
    const staged = await stageDeleted(db, watermark, limit);
    await resolvePubkeys(db);
    return staged;
  });
  await timed(steps, "events", () => applyEventChanges(db, true));
  await timed(steps, "relays", () => applySightingChanges(db, watermark, true));
  await timed(steps, "repair", async () => {
    await repairSightingExtremes(db, watermark);
    await repairEventExtremes(db, watermark);
  });
  return { phase: "drain" as const, events, sightings, checks: 0, watermark, steps };
}

async function finish(db: Db, watermark: string, now: number) {
  const steps: Chunk["steps"] = {};
  // Deleted relays are only needed while their logged sightings wait: none does now.
  await exec(db, "DELETE FROM stats_gone_relay");
  const checks = await timed(steps, "checks", () => refreshTouchedChecks(db));
  await timed(steps, "windows", () => measureWindows(db, now, watermark));
  return { phase: "finish" as const, events: 0, sightings: 0, checks, watermark, steps };
}

async function step(db: Db, target: string | undefined, limit: number, now: number): Promise<Step> {
  if (!(await tryLockStatistics(db))) return "busy";
  await lockSightingsShared(db);
  // The chunk's aggregates and joins stay in memory.
  await exec(db, "SET LOCAL work_mem = '64MB'");
  const watermark = await lockWatermark(db);
  const upTo = target ?? (await oldestRunning(db));
  const { pending } = await one<{ pending: boolean }>(db, PENDING_DELETIONS);
  if (pending) return { target: upTo, chunk: await drain(db, watermark, limit) };
  if (BigInt(watermark) < BigInt(upTo)) {
    return { target: upTo, chunk: await walk(db, watermark, upTo, limit) };
  }
  return { target: upTo, chunk: await finish(db, watermark, now) };
}

function tally(report: RefreshReport, chunk: Chunk): void {
  report.chunks += 1;
  report.watermark = chunk.watermark;
  report.checks += chunk.checks;
  if (chunk.phase === "drain") {
    report.deletedEvents += chunk.events;
    report.deletedSightings += chunk.sightings;
  } else {
    report.events += chunk.events;
    report.sightings += chunk.sightings;
  }
}

/** One refresher cycle over the statistics (see the top of this file). */
export async function refreshStatistics(
  pool: pg.Pool,
  options: RefreshOptions = {},
): Promise<RefreshReport> {
  const limit = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const report: RefreshReport = {
    busy: false,
    complete: false,
    chunks: 0,
    events: 0,
    sightings: 0,
    deletedEvents: 0,
    deletedSightings: 0,
    checks: 0,
    watermark: "",
  };
  let target: string | undefined;
  while (!options.signal?.aborted) {
    const started = performance.now();
    const result = await transaction(pool, (client) => step(client, target, limit, now));
    if (result === "busy") return { ...report, busy: true };
    target = result.target;
    const chunk = { ...result.chunk, durationMs: Math.round(performance.now() - started) };
    tally(report, chunk);
    options.onChunk?.(chunk);
    if (chunk.phase === "finish") return { ...report, complete: true };
  }
  return report;
}

/**
 * Fills every summary table from scratch (statistics_rebuild(), migration 000008) and measures
 * the windows, in one transaction (waiting for a refresher cycle in progress). Returns the
 * watermark. The refresher never needs it.
 * @public repairs, and bench:scale's full-rebuild figure
 */
export async function rebuildStatistics(pool: pg.Pool, now = Math.floor(Date.now() / 1000)) {
  return transaction(pool, async (client) => {
    const { watermark } = await one<{ watermark: string }>(
      client,
      "SELECT statistics_rebuild()::text AS watermark",
    );
    await measureWindows(client, now, watermark);
    return watermark;
  });
}
