/**
 * `npm run bench:db [-- --events N --batches 1000,5000,10000 --variants shipped,async-commit
 *  --threshold]`: archives a generated dataset through archiveEvents on a private embedded
 * PostgreSQL (fsync on), once per profile, variant and batch size, and prints throughput,
 * CPU time and disk use per event.
 */
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { type ArchiveItem, archiveEvents } from "../src/core/db/archive.js";
import type { Profile } from "../src/core/db/migrate.js";
import { ownCpuSeconds, serverCpuSeconds } from "./support/cpu.js";
import { buildDataset } from "./support/dataset.js";
import { BENCH_SETTINGS, type BenchServer, startBenchServer } from "./support/server.js";
import { measureThreshold } from "./support/threshold.js";
import { applyVariant, isVariant, VARIANTS, type Variant } from "./support/variants.js";

const PARTITIONS = 16;

interface Options {
  events: number;
  batches: number[];
  variants: Variant[];
  /** Archive calls in flight at once (each on its own connection), as parallel flushes. */
  concurrency: number;
  threshold: boolean;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const variants = (value("--variants") ?? "shipped").split(",");
  const unknown = variants.filter((v) => !isVariant(v));
  if (unknown.length > 0) throw new Error(`unknown variants ${unknown} (${Object.keys(VARIANTS)})`);
  return {
    events: Number(value("--events") ?? 200_000),
    batches: (value("--batches") ?? "1000,5000,10000").split(",").map(Number),
    variants: variants.filter(isVariant),
    concurrency: Number(value("--concurrency") ?? 1),
    threshold: argv.includes("--threshold"),
  };
}

interface RunResult {
  profile: Profile;
  variant: Variant;
  batch: number;
  concurrency: number;
  seconds: number;
  /** CPU seconds of this process and of the server during the run. */
  nodeCpu: number;
  pgCpu: number;
  events: number;
  eventRelays: number;
  bytesPerEvent: number;
  /** Share of those bytes taken by event_relay. */
  eventRelayShare: number;
}

/** Bytes on disk (heap, TOAST and indexes, after VACUUM) of event and of event_relay. */
async function storedBytes(pool: pg.Pool): Promise<{ event: number; eventRelay: number }> {
  await pool.query("VACUUM ANALYZE event, event_relay");
  const size = async (table: string) => {
    const { rows } = await pool.query<{ bytes: number }>(
      "SELECT sum(pg_total_relation_size(relid))::bigint AS bytes FROM pg_partition_tree($1)",
      [table],
    );
    return rows[0]?.bytes ?? 0;
  };
  return { event: await size("event"), eventRelay: await size("event_relay") };
}

async function run(
  bench: BenchServer,
  items: ArchiveItem[],
  setup: { profile: Profile; variant: Variant; batch: number; concurrency: number },
): Promise<RunResult> {
  const { profile, variant, batch, concurrency } = setup;
  const pool = await bench.freshDatabase(profile, PARTITIONS, concurrency);
  await applyVariant(pool, variant);

  let events = 0;
  let eventRelays = 0;
  const cpu0 = [ownCpuSeconds(), await serverCpuSeconds(bench.postmasterPid)];
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next; i < items.length; i = next) {
      next += batch;
      const result = await archiveEvents(pool, items.slice(i, i + batch), { profile });
      events += result.events;
      eventRelays += result.eventRelays;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const nodeCpu = ownCpuSeconds() - (cpu0[0] ?? 0);
  const pgCpu = (await serverCpuSeconds(bench.postmasterPid)) - (cpu0[1] ?? 0);
  const bytes = await storedBytes(pool);
  const bytesPerEvent = (bytes.event + bytes.eventRelay) / events;
  const eventRelayShare = bytes.eventRelay / (bytes.event + bytes.eventRelay);
  return { ...setup, seconds, nodeCpu, pgCpu, events, eventRelays, bytesPerEvent, eventRelayShare };
}

const HEADER = [
  "| profile | variant | batch (items) × in flight | events | event_relay | seconds | events/s | rows/s | CPU s node + pg | events per CPU-s | bytes/event (event_relay share) |",
  "|---|---|---|---|---|---|---|---|---|---|---|",
];

function report(r: RunResult): string {
  const eps = Math.round(r.events / r.seconds);
  const rps = Math.round((r.events + r.eventRelays) / r.seconds);
  const perCpu = Math.round(r.events / (r.nodeCpu + r.pgCpu));
  const cpu = `${r.nodeCpu.toFixed(1)} + ${r.pgCpu.toFixed(1)}`;
  return `| ${r.profile} | ${r.variant} | ${r.batch} × ${r.concurrency} | ${r.events} | ${r.eventRelays} | ${r.seconds.toFixed(1)} | ${eps} | ${rps} | ${cpu} | ${perCpu} | ${Math.round(r.bytesPerEvent)} (${Math.round(100 * r.eventRelayShare)} %) |`;
}

async function runAll(bench: BenchServer, options: Options): Promise<RunResult[]> {
  const t0 = performance.now();
  const data = await buildDataset(options.events);
  const took = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `dataset: ${data.events.length} events, ${data.items.length} sightings on ${data.relays} relays (generated in ${took} s)`,
  );
  console.log(HEADER.join("\n"));
  const results: RunResult[] = [];
  for (const profile of ["bigbrotr", "lilbrotr"] as const) {
    for (const variant of options.variants) {
      for (const batch of options.batches) {
        const setup = { profile, variant, batch, concurrency: options.concurrency };
        const r = await run(bench, data.items, setup);
        console.log(report(r));
        results.push(r);
      }
    }
  }
  return results;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const bench = await startBenchServer();
  try {
    console.log(`# bench:db ${new Date().toISOString()}`);
    console.log(`nproc ${cpus().length}, node ${process.version}, PostgreSQL ${bench.version}`);
    console.log(
      `server settings: ${JSON.stringify(BENCH_SETTINGS)}, fsync and synchronous_commit on`,
    );
    if (options.threshold) await measureThreshold(bench);
    const results = await runAll(bench, options);
    const size = (p: Profile) => results.find((r) => r.profile === p)?.bytesPerEvent ?? 0;
    const saving = 100 * (1 - size("lilbrotr") / size("bigbrotr"));
    console.log(`lilbrotr disk saving vs bigbrotr: ${saving.toFixed(1)} %`);
  } finally {
    await bench.close();
  }
}

await main();
