/**
 * bench:scale's measurements on a built archive, in order: ingest rates (from the build's
 * progress rows), disk, today's statistics views, the API, `bigbrotr status`, export and the
 * finder's scan. A step that fails is reported and counted; the others still run.
 */
import type { ChildProcess } from "node:child_process";
import { loadavg } from "node:os";
import type { Measured } from "./api-load.js";
import { startApiHost } from "./api-load.js";
import { createOldViews, type OldRefresh, refreshOldViews } from "./old-views.js";
import { measureApi, sampleArchive } from "./scale-api.js";
import type { Built } from "./scale-build.js";
import {
  type Disk,
  measureDisk,
  measureExport,
  measureFinderScan,
  measureParquetExport,
  type Rate,
  timeCli,
} from "./scale-measure.js";
import { type IngestRates, ingestRates } from "./scale-progress.js";
import { measureCycle, rebuildAll, type StatisticsFigures } from "./scale-stats.js";
import type { BenchServer } from "./server.js";

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  postgres: string;
  /** The server settings the bench gave PostgreSQL (over its defaults). */
  settings: Record<string, string | number>;
  loadAtStart: number[];
}

export interface RunContext {
  events: number;
  duration: number;
  /** Also time a second, CONCURRENTLY refresh of the old views (the refresher's cycle). */
  oldCycle: boolean;
  /** New events before the timed refresher cycle (stats_cycle_s_after_100k). */
  delta: number;
  buildS: number;
  machine: Machine;
  log: (line: string) => void;
}

/** Everything measured; a step that failed leaves its part undefined. */
export interface Measurements {
  ingest: IngestRates;
  disk: Disk;
  oldFull?: OldRefresh | undefined;
  oldCycle?: OldRefresh | undefined;
  statsRebuildS?: number | undefined;
  stats?: StatisticsFigures | undefined;
  api?: Measured[] | undefined;
  unmeasured: string[];
  online?: number | undefined;
  statusS?: number | undefined;
  cliStartS?: number | undefined;
  exported?: Rate | undefined;
  exportedParquet?: Rate | undefined;
  scanned?: Rate | undefined;
  loadAtEnd: number[];
  failures: string[];
}

async function step<T>(
  m: Measurements,
  name: string,
  log: (s: string) => void,
  work: () => Promise<T>,
) {
  log(`${name}…`);
  try {
    return await work();
  } catch (error) {
    m.failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    log(`${name} FAILED: ${m.failures.at(-1)}`);
    return undefined;
  }
}

async function measureApiStep(bench: BenchServer, built: Built, ctx: RunContext, m: Measurements) {
  let child: ChildProcess | undefined;
  try {
    const samples = await sampleArchive(built.pool, built.spec.events, built.spec.end);
    const host = await startApiHost(bench.databaseUrl);
    child = host.child;
    const run = await measureApi(host.base, samples, ctx.duration, ctx.log);
    m.unmeasured = run.unmeasured;
    m.online = run.online;
    const errors = run.rows.reduce((n, r) => n + r.errors, 0);
    if (errors > 0) m.failures.push(`api: ${errors} failed requests`);
    return run.rows;
  } finally {
    child?.kill("SIGTERM");
  }
}

export async function runMeasurements(
  bench: BenchServer,
  built: Built,
  ctx: RunContext,
): Promise<Measurements> {
  const { pool, spec } = built;
  const { log } = ctx;
  const window = Math.min(1_000_000, Math.max(1, Math.floor(spec.events / 10)));
  const m: Measurements = {
    ingest: await ingestRates(pool, window),
    disk: await measureDisk(pool),
    unmeasured: [],
    loadAtEnd: [],
    failures: [],
  };
  await step(m, "old statistics views: create", log, () => createOldViews(pool));
  m.oldFull = await step(m, "old views: full refresh", log, () => refreshOldViews(pool, false));
  if (ctx.oldCycle) {
    m.oldCycle = await step(m, "old views: refresher cycle", log, () =>
      refreshOldViews(pool, true),
    );
  }
  await pool.query("DROP SCHEMA IF EXISTS bench_old_views CASCADE");
  // The summary tables /v1/stats reads, filled from scratch (what migration 000008 does).
  m.statsRebuildS = await step(m, "statistics: full rebuild", log, () => rebuildAll(pool));
  m.api = await step(m, "api", log, () => measureApiStep(bench, built, ctx, m));
  m.cliStartS = await step(m, "bigbrotr --help", log, () => timeCli(bench.databaseUrl, ["--help"]));
  m.statusS = await step(m, "bigbrotr status", log, () => timeCli(bench.databaseUrl, ["status"]));
  const slice = Math.min(200_000, Math.floor(spec.events / 2));
  m.exported = await step(m, "export", log, () => measureExport(pool, slice, spec.end));
  m.exportedParquet = await step(m, "export parquet", log, () =>
    measureParquetExport(pool, slice, spec.end),
  );
  const scan = Math.min(spec.events, 1_000_000);
  m.scanned = await step(m, "finder scan", log, () => measureFinderScan(pool, scan));
  if (m.statsRebuildS !== undefined) {
    const rebuildS = m.statsRebuildS;
    m.stats = await step(
      m,
      `statistics: ${ctx.delta} new events, a refresher cycle, a recount`,
      log,
      () => measureCycle(pool, spec, ctx.delta, rebuildS),
    );
    if (m.stats && m.stats.mismatched.length > 0) {
      m.failures.push(`statistics not exact: ${m.stats.mismatched.join(", ")}`);
    }
  }
  m.loadAtEnd = loadavg();
  return m;
}
