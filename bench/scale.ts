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
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { argValue } from "./support/args.js";
import { buildArchive } from "./support/scale-build.js";
import { printReport } from "./support/scale-report.js";
import { runMeasurements } from "./support/scale-run.js";
import { startBenchServer } from "./support/server.js";

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

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadAtStart = loadavg();
  const bench = await startBenchServer({ dataDir: options.dataDir });
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
