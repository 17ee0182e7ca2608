/**
 * `npm run bench:db [-- --events N --batch 10000 --archivers 2 --threshold]`: archives one
 * generated dataset (200,000 events seen on about 4 relays each) on a private embedded
 * PostgreSQL (fsync on), through schema v1's write path and through v2's `archiveEvents`,
 * both profiles, in one run, and prints throughput, CPU and disk per event and per sighting.
 */
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import type pg from "pg";
import type { ArchiveItem } from "../src/core/db/archive.js";
import type { Profile } from "../src/core/db/migrate.js";
import { archiveLoop } from "./support/archive-loop.js";
import { argValue } from "./support/args.js";
import { ownCpuSeconds, serverCpuSeconds } from "./support/cpu.js";
import { buildDataset } from "./support/dataset.js";
import { BENCH_SETTINGS, type BenchServer, startBenchServer } from "./support/server.js";
import { measureThreshold } from "./support/threshold.js";
import { archiveEventsV1 } from "./support/v1-archive.js";

const PARTITIONS = 16;
const V1_LAST_MIGRATION = 4;

/** v1: migrations 1–4 and their write path; v2: every migration, archiveEvents with a
 * per-archiver cursor in each batch's transaction, as the synchronizer commits. */
type Schema = "v1" | "v2" | "v2-sync";
const SCHEMA_NOTES: Record<Schema, string> = {
  v1: "v1 schema and write path (synchronous commit)",
  "v2-sync": "v2, cursor in the batch transaction, synchronous commit",
  v2: "v2, cursor in the batch transaction, synchronous_commit off for it (shipped)",
};
const PLAN: { schema: Schema; profile: Profile }[] = [
  { schema: "v1", profile: "bigbrotr" },
  { schema: "v2-sync", profile: "bigbrotr" },
  { schema: "v2", profile: "bigbrotr" },
  { schema: "v1", profile: "lilbrotr" },
  { schema: "v2", profile: "lilbrotr" },
];

interface Options {
  /** Runs to make, as schema:profile (default: all of PLAN). */
  only: string[] | null;
  events: number;
  batch: number;
  archivers: number;
  threshold: boolean;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => argValue(argv, name);
  return {
    only: value("--only")?.split(",") ?? null,
    events: Number(value("--events") ?? 200_000),
    batch: Number(value("--batch") ?? 10_000),
    archivers: Number(value("--archivers") ?? 2),
    threshold: argv.includes("--threshold"),
  };
}

interface Sizes {
  event: number;
  eventRelay: number;
  /** Bytes of each index of event and event_relay (all partitions), by index name. */
  indexes: Map<string, number>;
}

async function sizes(pool: pg.Pool): Promise<Sizes> {
  await pool.query("VACUUM ANALYZE");
  const total = async (table: string) => {
    const { rows } = await pool.query<{ bytes: number }>(
      "SELECT sum(pg_total_relation_size(relid))::bigint AS bytes FROM pg_partition_tree($1)",
      [table],
    );
    return rows[0]?.bytes ?? 0;
  };
  // The ordered tag index (event_tag, migration 000009) is part of what an event costs.
  const tagIndex = async () => {
    const { rows } = await pool.query<{ bytes: number | null }>(
      "SELECT pg_total_relation_size(to_regclass('event_tag'))::bigint AS bytes",
    );
    return rows[0]?.bytes ?? 0;
  };
  const { rows } = await pool.query<{ name: string; bytes: number }>(
    `SELECT p.relname AS name, sum(pg_relation_size(t.relid))::bigint AS bytes
     FROM pg_class p CROSS JOIN LATERAL pg_partition_tree(p.oid) t
     WHERE p.relkind = 'I' AND p.relname LIKE 'event%' AND p.relispartition = false
     GROUP BY p.relname
     UNION ALL
     SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = 'event_tag_pkey'
     ORDER BY 1`,
  );
  const indexes = new Map(rows.map((r) => [r.name, r.bytes]));
  const event = (await total("event")) + (await tagIndex());
  return { event, eventRelay: await total("event_relay"), indexes };
}

interface RunResult {
  schema: Schema;
  profile: Profile;
  seconds: number;
  nodeCpu: number;
  pgCpu: number;
  events: number;
  sightings: number;
  sizes: Sizes;
}

const eventsPerSecond = (r: RunResult) => r.events / r.seconds;
const bytesPerEvent = (r: RunResult) => (r.sizes.event + r.sizes.eventRelay) / r.events;
const bytesPerSighting = (r: RunResult) => r.sizes.eventRelay / r.sightings;

async function run(
  bench: BenchServer,
  items: ArchiveItem[],
  plan: { schema: Schema; profile: Profile },
  options: Options,
): Promise<RunResult> {
  const { schema, profile } = plan;
  const until = schema === "v1" ? V1_LAST_MIGRATION : undefined;
  const pool = await bench.freshDatabase(profile, PARTITIONS, options.archivers, until);
  const cpu0 = [ownCpuSeconds(), await serverCpuSeconds(bench.postmasterPid)];
  const { seconds, events, sightings } = await archiveLoop(pool, items, {
    profile,
    batch: options.batch,
    archivers: options.archivers,
    asyncCommit: schema === "v2",
    ...(schema === "v1" ? { archive: (slice) => archiveEventsV1(pool, slice, profile) } : {}),
  });
  const nodeCpu = ownCpuSeconds() - (cpu0[0] ?? 0);
  const pgCpu = (await serverCpuSeconds(bench.postmasterPid)) - (cpu0[1] ?? 0);
  return { ...plan, seconds, nodeCpu, pgCpu, events, sightings, sizes: await sizes(pool) };
}

const HEADER = [
  "| schema | profile | archivers × batch | events | sightings | seconds | events/s | rows/s | CPU s node + pg | bytes/event | bytes/sighting | event_relay share |",
  "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
];

function row(r: RunResult, options: Options): string {
  const rps = Math.round((r.events + r.sightings) / r.seconds);
  const cpu = `${r.nodeCpu.toFixed(1)} + ${r.pgCpu.toFixed(1)}`;
  const share = r.sizes.eventRelay / (r.sizes.event + r.sizes.eventRelay);
  return `| ${r.schema} | ${r.profile} | ${options.archivers} × ${options.batch} | ${r.events} | ${r.sightings} | ${r.seconds.toFixed(1)} | ${Math.round(eventsPerSecond(r))} | ${rps} | ${cpu} | ${Math.round(bytesPerEvent(r))} | ${Math.round(bytesPerSighting(r))} | ${Math.round(100 * share)} % |`;
}

function indexTable(results: RunResult[]): string[] {
  const lines = ["bytes per event of each index (all partitions):", ""];
  const names = [...new Set(results.flatMap((r) => [...r.sizes.indexes.keys()]))].sort();
  lines.push(`| index | ${results.map((r) => `${r.schema} ${r.profile}`).join(" | ")} |`);
  lines.push(`|---|${results.map(() => "---:").join("|")}|`);
  for (const name of names) {
    const cells = results.map((r) => {
      const b = r.sizes.indexes.get(name);
      return b === undefined ? "" : (b / r.events).toFixed(1);
    });
    lines.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  return lines;
}

function find(results: RunResult[], schema: Schema, profile: Profile): RunResult {
  const r = results.find((x) => x.schema === schema && x.profile === profile);
  if (!r) throw new Error(`no run ${schema} ${profile}`);
  return r;
}

function headline(results: RunResult[]) {
  const big = find(results, "v2", "bigbrotr");
  const lil = find(results, "v2", "lilbrotr");
  const v1 = find(results, "v1", "bigbrotr");
  const v1lil = find(results, "v1", "lilbrotr");
  const round = (n: number, d = 0) => Number(n.toFixed(d));
  return {
    bigbrotr_events_per_s: round(eventsPerSecond(big)),
    bigbrotr_sync_commit_events_per_s: round(eventsPerSecond(find(results, "v2-sync", "bigbrotr"))),
    bigbrotr_bytes_per_sighting: round(bytesPerSighting(big), 1),
    bigbrotr_bytes_per_event: round(bytesPerEvent(big)),
    lilbrotr_events_per_s: round(eventsPerSecond(lil)),
    lilbrotr_bytes_per_event: round(bytesPerEvent(lil)),
    lilbrotr_saving_pct: round(100 * (1 - bytesPerEvent(lil) / bytesPerEvent(big)), 1),
    v1_events_per_s: round(eventsPerSecond(v1)),
    v1_bytes_per_sighting: round(bytesPerSighting(v1), 1),
    v1_bytes_per_event: round(bytesPerEvent(v1)),
    v1_lilbrotr_saving_pct: round(100 * (1 - bytesPerEvent(v1lil) / bytesPerEvent(v1)), 1),
    speedup_vs_v1: round(eventsPerSecond(big) / eventsPerSecond(v1), 2),
    archivers: 0,
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const bench = await startBenchServer();
  try {
    console.log(`# bench:db ${new Date().toISOString()}`);
    console.log(`nproc ${cpus().length}, node ${process.version}, PostgreSQL ${bench.version}`);
    console.log(`server settings: ${JSON.stringify(BENCH_SETTINGS)}, fsync on`);
    if (options.threshold) await measureThreshold(bench);
    const t0 = performance.now();
    const data = await buildDataset(options.events);
    const took = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(
      `dataset: ${data.events.length} events, ${data.items.length} sightings on ${data.relays} relays (generated in ${took} s)`,
    );
    for (const [schema, note] of Object.entries(SCHEMA_NOTES)) console.log(`  ${schema}: ${note}`);
    console.log(HEADER.join("\n"));
    const results: RunResult[] = [];
    const plans = PLAN.filter(
      (p) => !options.only || options.only.includes(`${p.schema}:${p.profile}`),
    );
    for (const plan of plans) {
      const r = await run(bench, data.items, plan, options);
      console.log(row(r, options));
      results.push(r);
    }
    console.log("");
    console.log(indexTable(results).join("\n"));
    const complete = plans.length === PLAN.length;
    const result = complete
      ? { ...headline(results), archivers: options.archivers }
      : { partial: true };
    console.log("");
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    await bench.close();
  }
}

await main();
