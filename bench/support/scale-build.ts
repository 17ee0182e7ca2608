/**
 * Builds (or resumes, or reuses) bench:scale's archive in the bench database: relays through
 * the relay owner, the monitor history hour by hour (scale-checks.ts), the events
 * (scale-ingest.ts), then one synchronizer cursor per relay and VACUUM ANALYZE. Every unit
 * of work is recorded when committed, so a rerun with the same sizes continues where the
 * last one stopped; other sizes, another generator version or `fresh` start over.
 */
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { migrate } from "../../src/core/db/migrate.js";
import { insertRelays } from "../../src/core/db/relays.js";
import { upsertServiceState } from "../../src/core/db/service-state/rows.js";
import { cursorRow, parseCursor } from "../../src/core/db/service-state/sync-cursor.js";
import { writeCheckHour } from "./scale-checks.js";
import { HOUR, hashUniform, type ScaleRelay, scaleRelays } from "./scale-data.js";
import { BATCH_EVENTS, type ScaleSpec } from "./scale-events.js";
import { ingestEvents } from "./scale-ingest.js";
import {
  activeSeconds,
  createProgressTables,
  doneUnits,
  GENERATOR_VERSION,
  readSpec,
  recordUnit,
  type StoredSpec,
  writeSpec,
} from "./scale-progress.js";
import type { BenchServer } from "./server.js";

const PARTITIONS = 16;
const CONNECTIONS = 3;

export type Sizes = Pick<ScaleSpec, "events" | "relays" | "days" | "seed">;

export interface Built {
  pool: pg.Pool;
  spec: StoredSpec;
  /** How the archive came about this run: new, resumed, or reused as complete. */
  state: "new" | "resumed" | "reused";
  /** False when the build was interrupted. */
  complete: boolean;
}

type Log = (line: string) => void;

/** A progress line at most every 5 s (and at the end): done/total, rate since the start, ETA. */
function reporter(label: string, total: number, unit: string, log: Log) {
  let done = 0;
  const started = performance.now();
  let printed = started;
  return (n: number, already = 0) => {
    done += n;
    const now = performance.now();
    if (now - printed < 5000 && done + already < total) return;
    printed = now;
    const rate = (done * 1000) / Math.max(1, now - started);
    const eta = rate > 0 ? Math.round((total - done - already) / rate) : 0;
    const pct = ((100 * (done + already)) / total).toFixed(1);
    log(
      `${label}: ${done + already}/${total} ${unit} (${pct} %), ${Math.round(rate)} ${unit}/s, ETA ${eta} s`,
    );
  };
}

const sameSizes = (a: Sizes, b: Sizes) =>
  a.events === b.events && a.relays === b.relays && a.days === b.days && a.seed === b.seed;

async function openArchive(bench: BenchServer, sizes: Sizes, fresh: boolean, log: Log) {
  const kept = fresh ? null : await bench.existingDatabase(CONNECTIONS);
  const spec = kept ? await readSpec(kept) : null;
  if (kept && spec && sameSizes(spec, sizes) && spec.version === GENERATOR_VERSION) {
    // A kept archive is brought up to the code's schema, as a service starting on it would.
    const { applied } = await migrate(kept, { profile: "bigbrotr", partitions: PARTITIONS });
    if (applied.length > 0) log(`kept archive migrated: ${applied.join(", ")}`);
    const complete = (await doneUnits(kept, "finish")).size > 0;
    return { pool: kept, spec, state: complete ? ("reused" as const) : ("resumed" as const) };
  }
  if (kept) log("the kept archive has other sizes or an older generator: rebuilding");
  const pool = await bench.freshDatabase("bigbrotr", PARTITIONS, CONNECTIONS);
  await createProgressTables(pool);
  const end = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
  await writeSpec(pool, { ...sizes, end });
  return { pool, spec: { ...sizes, end, version: GENERATOR_VERSION }, state: "new" as const };
}

async function buildChecks(
  pool: pg.Pool,
  spec: ScaleSpec,
  relays: ScaleRelay[],
  signal: AbortSignal,
  log: Log,
) {
  const hours = spec.days * 24;
  const done = await doneUnits(pool, "checks");
  const base = await activeSeconds(pool, "checks");
  const started = performance.now();
  const report = reporter("checks", hours, "hours", log);
  report(0, done.size);
  for (let hour = 0; hour < hours && !signal.aborted; hour++) {
    if (done.has(hour)) continue;
    const rows = await writeCheckHour(
      pool,
      relays,
      { hour, hours, end: spec.end, seed: spec.seed },
      2,
    );
    const activeS = base + (performance.now() - started) / 1000;
    await recordUnit(pool, { phase: "checks", n: hour, items: rows, sightings: 0, activeS });
    report(1, done.size);
  }
}

/** One synchronizer cursor per relay, as a synchronizer that caught up leaves them. */
async function writeSyncCursors(pool: pg.Pool, spec: ScaleSpec, relays: ScaleRelay[]) {
  const rows = relays.map((r) => {
    const until = spec.end - Math.floor(hashUniform(spec.seed, r.index, 21) * 2 * HOUR);
    return cursorRow(r.url, { ...parseCursor(null, {}), until, pageSize: 500 });
  });
  for (let i = 0; i < rows.length; i += 1000) {
    await upsertServiceState(pool, rows.slice(i, i + 1000), { now: spec.end });
  }
}

export async function buildArchive(
  bench: BenchServer,
  sizes: Sizes,
  options: { fresh: boolean; signal: AbortSignal; log: Log },
): Promise<Built> {
  const { signal, log } = options;
  const { pool, spec, state } = await openArchive(bench, sizes, options.fresh, log);
  const age = Date.now() / 1000 - spec.end;
  if (age > 12 * HOUR) {
    log(
      `the kept archive's newest checks are ${Math.round(age / HOUR)} h old: relays read as down or unknown (--fresh rebuilds)`,
    );
  }
  if (state === "reused") return { pool, spec, state, complete: true };
  if (state === "resumed") log("resuming the kept archive after its last committed batch");
  const relays = scaleRelays(spec.relays, spec.seed, spec.end);
  await insertRelays(
    pool,
    relays.map((r) => ({ url: r.url, network: r.network, discoveredAt: r.discoveredAt })),
  );
  await buildChecks(pool, spec, relays, signal, log);
  const already = await doneUnits(pool, "events");
  const report = reporter("events", spec.events, "events", log);
  const before = already.size === 0 ? 0 : Math.min(spec.events, already.size * BATCH_EVENTS);
  await ingestEvents(pool, spec, signal, (p) => report(p.events, before));
  if (signal.aborted) return { pool, spec, state, complete: false };
  log("finishing: synchronizer cursors, VACUUM ANALYZE");
  await writeSyncCursors(pool, spec, relays);
  await pool.query("VACUUM ANALYZE");
  await recordUnit(pool, { phase: "finish", n: 0, items: 0, sightings: 0, activeS: 0 });
  return { pool, spec, state, complete: true };
}
