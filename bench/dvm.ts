/**
 * `npm run bench:dvm [-- --events 1000000 --requests 2000 --rate 40 --replicas 1,2]`: the DVM
 * (`bigbrotr dvm`, docs/dvm.md) over bench:api's archive of `events` events (support/api-data.ts)
 * on a private embedded PostgreSQL, listening on a devnet relay, each replica in its own process
 * (support/dvm-host.ts). A nostr-tools customer (support/dvm-load.ts) publishes `requests` job
 * requests at `rate` per second from 10 keys: 5400 counts by kind over an hour, by author, by
 * topic tag and over a 12-hour range of every kind, and 5304 relay queries. Measured per
 * replica count, each on a fresh relay: request published to result (or error) received
 * p50/p95/p99, jobs/s, errors, and duplicated results, which must be 0: results past the
 * first the customer receives, and jobs worked out by the replicas past one per request.
 * `--smoke`: 20,000 events, 120 requests at 20/s.
 */
import type { ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fillBenchDatabase } from "./support/api-data.js";
import { argValue } from "./support/args.js";
import { startJsonChild } from "./support/child.js";
import { processCpuSeconds, serverCpuSeconds } from "./support/cpu.js";
import type { DvmHostSpec } from "./support/dvm-host.js";
import {
  type ArchiveShape,
  DvmCustomer,
  JOB_TYPES,
  jobMaker,
  type LatencyFigures,
  latencies,
  outcomes,
  steadyLoad,
} from "./support/dvm-load.js";
import { type BenchServer, startBenchServer } from "./support/server.js";

const DAYS = 7;
const RELAYS = 10;
const CUSTOMERS = 10;
/** The replicas' key (hex): they answer as one DVM. */
const SECRET = "22".repeat(32);
/** Outcomes of a job a replica worked out itself (not republished, not left to another). */
const WORKED = ["answered", "failed", "rate_limited", "awaiting_payment"];

function parseArgs(argv: string[]) {
  const smoke = argv.includes("--smoke");
  const value = (name: string, fallback: number) => Number(argValue(argv, name) ?? fallback);
  return {
    events: value("--events", smoke ? 20_000 : 1_000_000),
    requests: value("--requests", smoke ? 120 : 2000),
    rate: value("--rate", smoke ? 20 : 40),
    replicas: (argValue(argv, "--replicas") ?? "1,2").split(",").map(Number),
    graceS: value("--grace", 60),
  };
}
type Options = ReturnType<typeof parseArgs>;

/** The `{"final":…}` line a replica prints when it stops. */
function finalCounts(child: ChildProcess): Promise<Record<string, number>> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise((resolve) => {
    lines.on("line", (line) => {
      if (line.startsWith('{"final"')) resolve((JSON.parse(line) as { final: never }).final);
    });
    child.once("exit", () => resolve({}));
  });
}

interface Phase {
  replicas: number;
  seconds: number;
  answered: number;
  latency: LatencyFigures;
  byType: Record<string, LatencyFigures>;
  errors: number;
  unanswered: number;
  /** Requests the relay refused or did not acknowledge (answered or not). */
  publishErrors: number;
  duplicates: number;
  /** Jobs each replica worked out, and its CPU ms per job it worked out. */
  perReplica: { jobs: number; cpuMsPerJob: number }[];
  dbCpuMsPerJob: number;
}

async function cpuOf(pids: number[], bench: BenchServer) {
  return {
    each: await Promise.all(pids.map(processCpuSeconds)),
    db: await serverCpuSeconds(bench.postmasterPid),
  };
}

/** Waits until no job of the phase is left claimed, then a moment for late duplicates. */
async function settle(pool: Pool, phase: string) {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM dvm_job WHERE status = 'claimed' AND holder LIKE $1",
      [`%${phase}`],
    );
    if ((rows[0]?.n ?? 0) === 0) break;
    await sleep(100);
  }
  await sleep(1000);
}

type Pool = Awaited<ReturnType<BenchServer["freshDatabase"]>>;

async function runPhase(
  bench: BenchServer,
  pool: Pool,
  n: number,
  options: Options,
  shape: ArchiveShape,
): Promise<Phase> {
  const children: ChildProcess[] = [];
  try {
    const relay = await startJsonChild<{ url: string; pid: number }>("dvm-relay-host.ts", {});
    children.push(relay.child);
    const phase = `of${n}`;
    const hosts = await Promise.all(
      Array.from({ length: n }, (_, k) => {
        const spec: DvmHostSpec = {
          url: bench.databaseUrl,
          relays: [relay.value.url],
          holder: `r${k + 1}${phase}`,
          secret: SECRET,
          config: { rate_limit: { jobs: 100_000, window: 60 } },
          pool: 5,
        };
        return startJsonChild<{ pubkey: string; pid: number }>("dvm-host.ts", spec);
      }),
    );
    children.push(...hosts.map((h) => h.child));
    const finals = hosts.map((h) => finalCounts(h.child));
    const customer = await DvmCustomer.open(relay.value.url, CUSTOMERS);
    const pids = hosts.map((h) => h.value.pid);
    const cpu0 = await cpuOf(pids, bench);
    const jobs = jobMaker(shape, hosts[0]?.value.pubkey ?? "");
    const load = await steadyLoad(customer, jobs, {
      total: options.requests,
      rate: options.rate,
      graceMs: options.graceS * 1000,
    });
    const cpu1 = await cpuOf(pids, bench);
    await settle(pool, phase);
    const seen = outcomes(customer);
    for (const [reason, k] of customer.reasons) process.stderr.write(`  error x${k}: ${reason}\n`);
    for (const h of hosts) h.child.kill("SIGTERM");
    const counts = await Promise.all(finals);
    customer.close();
    const worked = counts.map((c) =>
      Object.entries(c)
        .filter(([k]) => WORKED.includes(k.split(":")[1] ?? ""))
        .reduce((s, [, v]) => s + v, 0),
    );
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM dvm_job WHERE holder LIKE $1",
      [`%${phase}`],
    );
    const twice = worked.reduce((a, b) => a + b, 0) - (rows[0]?.n ?? 0);
    const answered = customer.answered;
    const byType = Object.fromEntries(JOB_TYPES.map((t) => [t, latencies(customer, t)]));
    return {
      replicas: n,
      seconds: load.seconds,
      answered,
      latency: latencies(customer),
      byType,
      errors: seen.errors,
      unanswered: seen.unanswered,
      publishErrors: seen.publishErrors,
      duplicates: Math.max(seen.duplicates, twice),
      perReplica: worked.map((jobs, k) => ({
        jobs,
        cpuMsPerJob: (((cpu1.each[k] ?? 0) - (cpu0.each[k] ?? 0)) * 1000) / Math.max(1, jobs),
      })),
      dbCpuMsPerJob: ((cpu1.db - cpu0.db) * 1000) / Math.max(1, answered),
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  }
}

const fix = (x: number, d = 1) => Number(x.toFixed(d));
const rateOf = (p: Phase) => p.answered / Math.max(0.001, p.seconds);

function printTable(options: Options, loadS: number, phases: Phase[]) {
  const lines = [
    `| bench:dvm, ${options.events} events (loaded in ${loadS.toFixed(0)} s), ${options.requests} requests at ${options.rate}/s | ${phases.map((p) => `${p.replicas} replica${p.replicas > 1 ? "s" : ""}`).join(" | ")} |`,
    `|---|${phases.map(() => "---|").join("")}`,
    `| jobs/s answered | ${phases.map((p) => rateOf(p).toFixed(1)).join(" | ")} |`,
    `| request to result p50 / p95 / p99 (ms) | ${phases.map((p) => `${p.latency.p50.toFixed(0)} / ${p.latency.p95.toFixed(0)} / ${p.latency.p99.toFixed(0)}`).join(" | ")} |`,
    ...JOB_TYPES.map(
      (t) =>
        `| ${t} p50 / p99 (ms, ${phases[0]?.byType[t]?.n ?? 0} jobs) | ${phases.map((p) => `${p.byType[t]?.p50.toFixed(0)} / ${p.byType[t]?.p99.toFixed(0)}`).join(" | ")} |`,
    ),
    `| errors (error feedback; unanswered; request not acknowledged) | ${phases.map((p) => `${p.errors}; ${p.unanswered}; ${p.publishErrors}`).join(" | ")} |`,
    `| duplicated results | ${phases.map((p) => p.duplicates).join(" | ")} |`,
    `| jobs worked out per replica | ${phases.map((p) => p.perReplica.map((r) => r.jobs).join(" + ")).join(" | ")} |`,
    `| CPU ms per job: each replica; PostgreSQL | ${phases.map((p) => `${p.perReplica.map((r) => r.cpuMsPerJob.toFixed(1)).join(", ")}; ${p.dbCpuMsPerJob.toFixed(1)}`).join(" | ")} |`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

function result(phases: Phase[]) {
  const first = phases[0];
  const out: Record<string, unknown> = {
    dvm_jobs_per_s: first ? fix(rateOf(first)) : 0,
    dvm_p50_ms: first ? fix(first.latency.p50) : 0,
    dvm_p99_ms: first ? fix(first.latency.p99) : 0,
    dvm_duplicates: phases.reduce((s, p) => s + p.duplicates, 0),
    dvm_errors: phases.reduce((s, p) => s + p.errors + p.unanswered, 0),
  };
  for (const p of phases) {
    const k = `dvm_${p.replicas}r`;
    Object.assign(out, {
      [`${k}_jobs_per_s`]: fix(rateOf(p)),
      [`${k}_p50_ms`]: fix(p.latency.p50),
      [`${k}_p95_ms`]: fix(p.latency.p95),
      [`${k}_p99_ms`]: fix(p.latency.p99),
      [`${k}_errors`]: p.errors + p.unanswered,
      [`${k}_duplicates`]: p.duplicates,
      [`${k}_jobs_per_replica`]: p.perReplica.map((r) => r.jobs),
      [`${k}_cpu_ms_per_job`]: p.perReplica.map((r) => fix(r.cpuMsPerJob, 2)),
    });
  }
  return out;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const bench = await startBenchServer();
  try {
    const pool = await bench.freshDatabase("bigbrotr", 16, 2);
    const end = Math.floor(Date.now() / 1000) - 60;
    const t0 = performance.now();
    await fillBenchDatabase(pool, { relays: RELAYS, days: DAYS, events: options.events, end }, log);
    // The dataset's hosts end in the reserved TLD .example, which a relay param refuses.
    await pool.query("UPDATE relay SET url = url || '.com' WHERE url LIKE '%.bench.example'");
    const loadS = (performance.now() - t0) / 1000;
    const shape = { end, span: DAYS * 86_400, relays: RELAYS };
    const phases: Phase[] = [];
    for (const n of options.replicas) {
      const phase = await runPhase(bench, pool, n, options, shape);
      log(
        `${n} replica(s): ${phase.answered} answered in ${phase.seconds.toFixed(1)} s, p50 ${phase.latency.p50.toFixed(0)} ms`,
      );
      phases.push(phase);
    }
    printTable(options, loadS, phases);
    process.stdout.write(`RESULT ${JSON.stringify(result(phases))}\n`);
  } finally {
    await bench.close();
  }
}

await main();
