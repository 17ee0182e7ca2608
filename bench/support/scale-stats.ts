/**
 * bench:scale's statistics figures, on the archive it built: a full rebuild of every summary
 * table (statistics_rebuild(), what migration 000008 runs on an existing archive), then the
 * refresher's own cycle after `delta` new events (the generator's next batches, through the
 * same archive writer, so with their late sightings) and one more hour of checks of every
 * relay, then every statistic and the uptime rollup (relay_uptime) compared with a plain-SQL
 * recount (test/support, written apart from the incremental code). A rerun on a kept archive adds the next `delta` events.
 */
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { rebuildStatistics, refreshStatistics } from "../../src/core/db/statistics/refresh.js";
import { mismatchedStatistics } from "../../test/support/statistics-recount.js";
import { relayUptimeMismatches } from "../../test/support/uptime-recount.js";
import { writeCheckHour } from "./scale-checks.js";
import { HOUR, scaleRelays } from "./scale-data.js";
import { BATCH_EVENTS, batchCount, type ScaleSpec } from "./scale-events.js";
import { ingestEvents } from "./scale-ingest.js";
import { doneUnits } from "./scale-progress.js";

export interface StatisticsFigures {
  fullRebuildS: number;
  deltaEvents: number;
  deltaSightings: number;
  deltaCheckRows: number;
  /** The refresher's cycle over that change. */
  cycleS: number;
  cycleChunks: number;
  /** Statistics that differ from their recount (none when exact). */
  mismatched: string[];
  recountS: number;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

/** The full rebuild alone (the API is measured on its result). */
export async function rebuildAll(pool: pg.Pool): Promise<number> {
  const t = performance.now();
  await rebuildStatistics(pool);
  return seconds(t);
}

/** `delta` events a multiple of the batch size: the generator's batches after the archive's. */
function deltaPart(spec: ScaleSpec, delta: number, doneBatches: number) {
  const batches = Math.max(1, Math.round(delta / BATCH_EVENTS));
  const rounds = Math.floor(doneBatches / batches);
  const first = batchCount(spec) + rounds * batches;
  const grown = { ...spec, events: (first + batches) * BATCH_EVENTS };
  return { grown, first, batches };
}

/** New events and an hour of checks, then one refresher cycle, timed, then the recount. */
export async function measureCycle(
  pool: pg.Pool,
  spec: ScaleSpec,
  delta: number,
  fullRebuildS: number,
): Promise<StatisticsFigures> {
  const done = await doneUnits(pool, "delta");
  const { grown, first } = deltaPart(spec, delta, done.size);
  let deltaEvents = 0;
  let deltaSightings = 0;
  const signal = new AbortController().signal;
  await ingestEvents(
    pool,
    grown,
    signal,
    (p) => {
      deltaEvents += p.events;
      deltaSightings += p.sightings;
    },
    { phase: "delta", first },
  );
  const relays = scaleRelays(spec.relays, spec.seed, spec.end);
  const hours = spec.days * 24;
  const hour = { hour: hours, hours: hours + 1, end: spec.end + HOUR, seed: spec.seed };
  const deltaCheckRows = await writeCheckHour(pool, relays, hour, 2);
  const t = performance.now();
  const report = await refreshStatistics(pool);
  const cycleS = seconds(t);
  if (!report.complete) throw new Error("the refresher cycle did not complete");
  const r = performance.now();
  const mismatched: string[] = await mismatchedStatistics(pool);
  // The uptime rollup is kept by the history's writers, not the refresher: compared all the same.
  if ((await relayUptimeMismatches(pool)) > 0) mismatched.push("relay_uptime");
  return {
    fullRebuildS,
    deltaEvents,
    deltaSightings,
    deltaCheckRows,
    cycleS,
    cycleChunks: report.chunks,
    mismatched,
    recountS: seconds(r),
  };
}
