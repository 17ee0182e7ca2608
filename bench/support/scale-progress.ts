/**
 * bench:scale's own bookkeeping, in schema bench_scale of the bench database (apart from the
 * project's tables): the dataset's sizes (a rerun with other sizes rebuilds) and one row per
 * committed unit of work (an hour of checks, a batch of events) with the run's active
 * seconds when it committed, so an interrupted build resumes after its last committed batch
 * and the ingest rates cover every run that built the archive.
 */
import type pg from "pg";
import { transaction } from "../../src/core/db/transaction.js";
import type { ScaleSpec } from "./scale-events.js";

/** Bump when the generator changes what it makes: a cached archive is then rebuilt. */
export const GENERATOR_VERSION = 1;

const SCHEMA = `
  CREATE SCHEMA IF NOT EXISTS bench_scale;
  CREATE TABLE IF NOT EXISTS bench_scale.meta (key text PRIMARY KEY, value jsonb NOT NULL);
  CREATE TABLE IF NOT EXISTS bench_scale.progress (
    phase text NOT NULL,
    n integer NOT NULL,
    items integer NOT NULL,
    sightings integer NOT NULL,
    active_s double precision NOT NULL,
    PRIMARY KEY (phase, n)
  )`;

export type Phase = "checks" | "events" | "delta" | "finish";

export interface StoredSpec extends ScaleSpec {
  version: number;
}

export async function createProgressTables(pool: pg.Pool): Promise<void> {
  await pool.query(SCHEMA);
}

/** The sizes the stored archive was built for, or null (no archive, or not ours). */
export async function readSpec(pool: pg.Pool): Promise<StoredSpec | null> {
  const { rows: found } = await pool.query<{ ok: boolean }>(
    "SELECT to_regclass('bench_scale.meta') IS NOT NULL AS ok",
  );
  if (!found[0]?.ok) return null;
  const { rows } = await pool.query<{ value: StoredSpec }>(
    "SELECT value FROM bench_scale.meta WHERE key = 'spec'",
  );
  return rows[0]?.value ?? null;
}

export async function writeSpec(pool: pg.Pool, spec: ScaleSpec): Promise<void> {
  const value = { ...spec, version: GENERATOR_VERSION };
  await pool.query(
    `INSERT INTO bench_scale.meta (key, value) VALUES ('spec', $1)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [JSON.stringify(value)],
  );
}

/** The units of `phase` already committed. */
export async function doneUnits(pool: pg.Pool, phase: Phase): Promise<Set<number>> {
  const { rows } = await pool.query<{ n: number }>(
    "SELECT n FROM bench_scale.progress WHERE phase = $1",
    [phase],
  );
  return new Set(rows.map((r) => r.n));
}

/** Active seconds the earlier runs spent on `phase` (where this run's clock starts). */
export async function activeSeconds(pool: pg.Pool, phase: Phase): Promise<number> {
  const { rows } = await pool.query<{ s: number | null }>(
    "SELECT max(active_s) AS s FROM bench_scale.progress WHERE phase = $1",
    [phase],
  );
  return rows[0]?.s ?? 0;
}

/** A committed unit: its events (or check rows) and sightings. */
export interface Unit {
  phase: Phase;
  n: number;
  items: number;
  sightings: number;
  activeS: number;
}

/**
 * Records a committed unit, committing asynchronously like the archive batch it follows (a
 * synchronous commit here would flush the WAL once a batch, which the synchronizer does not
 * do; a row lost to a crash only means its unit is done again, harmlessly).
 */
export async function recordUnit(pool: pg.Pool, u: Unit): Promise<void> {
  await transaction(pool, async (client) => {
    await client.query("SET LOCAL synchronous_commit = off");
    await client.query(
      `INSERT INTO bench_scale.progress (phase, n, items, sightings, active_s)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (phase, n) DO NOTHING`,
      [u.phase, u.n, u.items, u.sightings, u.activeS],
    );
  });
}

export interface IngestRates {
  /** Events a second over the first and the last `window` events committed. */
  first: number;
  last: number;
  overall: number;
  window: number;
  /** Active seconds of the whole ingest. */
  seconds: number;
}

/**
 * Rates over the first and last `window` events in commit order: events of the batches in
 * the window over the active time from the commit before the window to its last commit.
 */
export async function ingestRates(pool: pg.Pool, window: number): Promise<IngestRates> {
  const { rows } = await pool.query<{ events: number; t: number }>(
    `SELECT items AS events, active_s AS t FROM bench_scale.progress WHERE phase = 'events'
     ORDER BY active_s, n`,
  );
  const total = rows.reduce((s, r) => s + r.events, 0);
  const seconds = rows.at(-1)?.t ?? 0;
  const rate = (from: number, to: number) => {
    const slice = rows.slice(from, to + 1);
    const events = slice.reduce((s, r) => s + r.events, 0);
    const start = from > 0 ? (rows[from - 1]?.t ?? 0) : 0;
    return events / Math.max(1e-9, (rows[to]?.t ?? 0) - start);
  };
  let head = 0;
  for (let n = 0; head < rows.length - 1 && n + (rows[head]?.events ?? 0) < window; head++) {
    n += rows[head]?.events ?? 0;
  }
  let tail = rows.length - 1;
  for (let n = 0; tail > 0 && n + (rows[tail]?.events ?? 0) < window; tail--) {
    n += rows[tail]?.events ?? 0;
  }
  return {
    first: rate(0, head),
    last: rate(tail, rows.length - 1),
    overall: total / Math.max(1e-9, seconds),
    window,
    seconds,
  };
}
