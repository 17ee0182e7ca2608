/**
 * `npm run bench:scale [-- --events 10000000 --relays 10000 --days 30 --duration S
 *   --data-dir bench/.cache/scale-pg --fresh --old-cycle --smoke]`: the whole observatory at
 * network scale.
 *
 * Builds, in a bigbrotr database (16 partitions) of an embedded PostgreSQL kept in
 * `--data-dir`, a synthetic archive through the project's own write paths: the relays through
 * the relay owner, `--days` days of hourly monitor checks through the history writer's
 * recordRelayMetadata, `--events` events through archiveEvents as the synchronizer writes
 * (support/scale-*.ts describe what is generated: kinds, Zipf authors, tags, log-normal
 * sizes, 1–20 sightings an event). Event ids are the real NIP-01 sha256 of each event;
 * signatures are random bytes, since the write path does not verify (the synchronizer
 * verifies before it writes). Interrupted (Ctrl-C), a rerun with the same sizes resumes after
 * the last committed batch; a complete archive is reused; `--fresh` rebuilds.
 *
 * Then measures: ingest rate over the first and last million events (10 % when smaller),
 * disk per event and per check row, today's 13 statistics views refreshed on the same data
 * (support/old-views.ts; `--old-cycle` also times a CONCURRENTLY refresh, the refresher's
 * cycle), the incremental statistics rebuilt from scratch, every /v1 route at 200 req/s and
 * /v1/online as fast as it goes (the API in its own process), `bigbrotr status`, an export of
 * the newest 200,000 events and the finder's event scan; last, `--delta` (100,000) new
 * events and an hour of checks, one refresher cycle timed, and every statistic compared with
 * a recount (support/scale-stats.ts; a kept archive grows by `--delta` each run). Prints
 * tables and `RESULT {json}`; exits 1 when anything failed (API errors, export, status, scan,
 * a statistic that differs from its recount). `--smoke` = `--events 200000 --relays 500
 * --duration 3` (CI).
 */
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { argValue } from "./support/args.js";
import { buildArchive } from "./support/scale-build.js";
import { printReport } from "./support/scale-report.js";
import { runMeasurements } from "./support/scale-run.js";
import { BENCH_SETTINGS, startBenchServer } from "./support/server.js";

export interface ScaleOptions {
  events: number;
  relays: number;
  days: number;
  seed: number;
  duration: number;
  dataDir: string;
  fresh: boolean;
  oldCycle: boolean;
  delta: number;
}

function parseArgs(argv: string[]): ScaleOptions {
  const smoke = argv.includes("--smoke");
  const num = (name: string, fallback: number) => Number(argValue(argv, name) ?? fallback);
  const events = num("--events", smoke ? 200_000 : 10_000_000);
  const here = dirname(fileURLToPath(import.meta.url));
  return {
    events,
    relays: num("--relays", smoke ? 500 : 10_000),
    days: num("--days", 30),
    seed: num("--seed", 1),
    duration: num("--duration", events >= 1_000_000 ? 10 : 3),
    dataDir: argValue(argv, "--data-dir") ?? join(here, ".cache", "scale-pg"),
    fresh: argv.includes("--fresh"),
    oldCycle: argv.includes("--old-cycle"),
    delta: num("--delta", 100_000),
  };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** First signal: stop after the batches in flight (resumable); second: stop now. */
function onSignals(controller: AbortController, stopNow: () => void): void {
  let received = 0;
  const handler = () => {
    received += 1;
    if (received === 1) {
      log("\nstopping after the batches in flight (again to force); a rerun resumes");
      controller.abort();
      return;
    }
    stopNow();
    process.exit(130);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

/**
 * The server sized for an archive of millions of events, as its operator would size it
 * (docs/scaling.md): shared buffers that hold the hot indexes (a third of the RAM, at most
 * 8 GB) and checkpoints far apart. With bench:db's 1 GB and 4 GB of WAL, the 10M build read
 * ~31,000 pages a second from the OS cache at 4M events (half the CPU in the kernel), a
 * checkpoint came every 15 s (each page's first change after one is a full-page image), and
 * ingest fell from ~4,600 to ~2,000 events/s.
 */
function scaleSettings(): Record<string, string | number> {
  const thirdMb = Math.floor(totalmem() / 3 / 2 ** 20);
  return {
    ...BENCH_SETTINGS,
    shared_buffers: `${Math.max(1024, Math.min(8192, thirdMb))}MB`,
    max_wal_size: "8GB",
    checkpoint_timeout: "15min",
    checkpoint_completion_target: 0.9,
  };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadAtStart = loadavg();
  const settings = scaleSettings();
  const bench = await startBenchServer({ dataDir: options.dataDir, settings });
  if (!bench.server.owned) log(`adopted a server already running in ${options.dataDir}`);
  const controller = new AbortController();
  onSignals(controller, () => bench.server.stopSync());
  try {
    const buildStart = performance.now();
    const built = await buildArchive(bench, options, {
      fresh: options.fresh,
      signal: controller.signal,
      log,
    });
    if (!built.complete) {
      log("interrupted: rerun the same command to resume");
      return 130;
    }
    const buildS = (performance.now() - buildStart) / 1000;
    const machine = {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? "cpu",
      node: process.version,
      postgres: bench.version,
      settings,
      loadAtStart,
    };
    const ctx = { ...options, buildS, machine, log };
    const measured = await runMeasurements(bench, built, ctx);
    printReport(built, ctx, measured);
    const failures = measured.failures.length;
    log(`bench:scale done in ${Math.round((performance.now() - started) / 1000)} s`);
    return failures > 0 ? 1 : 0;
  } finally {
    await bench.close();
  }
}

process.exitCode = await main();
