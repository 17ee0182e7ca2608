/**
 * `npm run bench:monitor [-- --relays 500] [--cycles 2] [--measure-chunked] [--bad 10]
 * [--max-tasks N] [--per-port N]`: monitor
 * cycles over a devnet of `relays` TLS fake relays (support/monitor-relay-host.ts, in a child
 * process so the RSS sampled here is the monitor's; one in ten silent or refusing, or with
 * `--bad 40` four in ten silent or dead, the 10,000-relay cycle), reached by name through a
 * fake DNS zone, with every check on and the default concurrency, retries and bundled geo
 * data, into a fresh database on a private embedded PostgreSQL. Up to 1,000 relays each has a
 * listener of its own; above, they are served by path, 500 to a listener (`--per-port N`). Cycle 1 checks every relay;
 * cycle 2 (and any further one) runs after the clock passes recheck_interval, so unchanged
 * documents are deduplicated. Each cycle is compared with the original's chunked design, simulated from the
 * per-relay durations measured in that cycle (and, with --measure-chunked, that design run
 * for real after cycle 2, without database writes). The bench re-runs itself once, with
 * NODE_EXTRA_CA_CERTS naming a throwaway CA (Node reads it only at start-up) so every TLS
 * connection verifies, and with --expose-gc for the memory held after each cycle (a forced
 * GC once the cycle's peak is taken).
 */

import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { generateSecretKey } from "nostr-tools/pure";
import pLimit from "p-limit";
import type pg from "pg";
import pino from "pino";
import { parseConfig } from "../src/core/config/load.js";
import { brotrConfigSchema } from "../src/core/config/schemas.js";
import { insertRelays } from "../src/core/db/relays.js";
import { createDbOutage } from "../src/core/db-outage.js";
import { createLogger } from "../src/core/logger.js";
import { createRegistry, createServiceMetrics, type Registry } from "../src/core/metrics.js";
import { runOnce, type Service, type ServiceContext } from "../src/core/service.js";
import { createFakeDns, type FakeDnsRecord } from "../src/devnet/fake-dns.js";
import { createTestCertificate } from "../src/devnet/tls-cert.js";
import { monitorConfigSchema } from "../src/services/monitor/config.js";
import { openGeoData } from "../src/services/monitor/geo-data.js";
import { type CheckRuntime, checkOneRelay } from "../src/services/monitor/relay-check.js";
import { createMonitor } from "../src/services/monitor/service.js";
import { argValue } from "./support/args.js";
import { startJsonChild } from "./support/child.js";
import { ownCpuSeconds, serverCpuSeconds } from "./support/cpu.js";
import {
  BENCH_DOMAIN,
  type HostedMonitorRelay,
  RELAY_KINDS,
  type RelayKind,
} from "./support/monitor-devnet.js";
import { withPeakRss } from "./support/peak-rss.js";
import { chunkedMakespan, listSchedule } from "./support/schedule.js";
import { startBenchServer } from "./support/server.js";

/** Path of the CA (JSON: cert, key, names) of the re-run; unset in the first process. */
const CA_ENV = "BENCH_MONITOR_CA";
const RSS_SAMPLE_MS = 50;
/** Issue 21: 500 relays at ≥ 2,000/min under 250 MB; 10,000 relays in ≤ 6 min under 300 MB. */
const TARGET_RELAYS_PER_MIN = 2000;
const TARGET_RSS_MB = 250;
const LARGE_RELAYS = 10_000;
const LARGE_CYCLE_S = 360;
const LARGE_RSS_MB = 300;

interface Options {
  relays: number;
  /** Monitor cycles, each recheck_interval + 60 s after the last on the bench's clock (≥ 2). */
  cycles: number;
  /** Also run the chunked design for real (same checks, no database writes). */
  measureChunked: boolean;
  /** Percent of bad relays: 10 (silent or refusing), or another multiple of 5 (silent or dead). */
  bad: number;
  /** Clearnet relays checked at once (monitor.yaml processing.max_tasks.clearnet; 200 as shipped). */
  maxTasks: number | undefined;
  /** Relays served by path on one listener (1: a listener each, the 500-relay devnet's). */
  perPort: number;
}

/** Above this many relays the devnet serves them by path, PER_PORT_LARGE to a listener. */
const OWN_LISTENERS_UP_TO = 1000;
const PER_PORT_LARGE = 500;

function parseArgs(argv: string[]): Options {
  const relays = Number(argValue(argv, "--relays") ?? 500);
  if (!Number.isInteger(relays) || relays < 1)
    throw new Error("--relays must be a positive integer");
  const cycles = Number(argValue(argv, "--cycles") ?? 2);
  if (!Number.isInteger(cycles) || cycles < 2) throw new Error("--cycles must be 2 or more");
  const bad = Number(argValue(argv, "--bad") ?? 10);
  if (!Number.isInteger(bad) || bad < 0 || bad > 100 || bad % 5 !== 0)
    throw new Error("--bad must be a multiple of 5 from 0 to 100");
  const slots = argValue(argv, "--max-tasks");
  const maxTasks = slots === undefined ? undefined : Number(slots);
  if (maxTasks !== undefined && !(Number.isInteger(maxTasks) && maxTasks > 0))
    throw new Error("--max-tasks must be a positive integer");
  const perPortArg = argValue(argv, "--per-port");
  const perPort =
    perPortArg === undefined
      ? relays > OWN_LISTENERS_UP_TO
        ? PER_PORT_LARGE
        : 1
      : Number(perPortArg);
  if (!(Number.isInteger(perPort) && perPort > 0))
    throw new Error("--per-port must be a positive integer");
  const measureChunked = argv.includes("--measure-chunked");
  return { relays, cycles, measureChunked, bad, maxTasks, perPort };
}

/** Writes a throwaway CA and runs this file again trusting it; returns the re-run's exit code. */
async function relaunch(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "bigbrotr-bench-ca-"));
  try {
    const names = { commonName: "bigbrotr bench CA", organization: "bigbrotr devnet" };
    const ca = { ...createTestCertificate({ ...names, altNames: [], isCa: true }), ...names };
    const json = join(dir, "ca.json");
    const pem = join(dir, "ca.pem");
    await writeFile(json, JSON.stringify(ca), { mode: 0o600 });
    await writeFile(pem, ca.cert);
    const self = fileURLToPath(import.meta.url);
    // BENCH_NODE_ARGS: more node flags for the measured process (e.g. "--cpu-prof").
    const extra = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const args = ["--expose-gc", ...extra, "--import", "tsx", self, ...process.argv.slice(2)];
    const child = spawn(process.execPath, args, {
      stdio: "inherit",
      env: { ...process.env, NODE_EXTRA_CA_CERTS: pem, [CA_ENV]: json },
    });
    return await new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** RSS, JS heap and external memory (MB) after a full GC: what is really held. */
function settled(): string {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round(n / 2 ** 20);
  return `RSS ${mb(m.rss)} MB (JS heap ${mb(m.heapUsed)}, external ${mb(m.external)})`;
}

/** This process's open-file limit (soft), from /proc. */
async function openFileLimit(): Promise<number> {
  const text = await readFile("/proc/self/limits", "utf8");
  const line = text.split("\n").find((l) => l.startsWith("Max open files"));
  return Number(line?.split(/\s{2,}/)[1] ?? Number.NaN);
}

/** Every series of one metric: labels and value (histograms: `_sum`, `_count`, buckets). */
async function seriesOf(registry: Registry, name: string) {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).map((v) => ({
    name: String((v as { metricName?: string }).metricName ?? name),
    labels: v.labels as Record<string, string>,
    value: v.value,
  }));
}

interface CheckFigures {
  ok: number;
  error: number;
  skipped: number;
  /** Seconds of the runs that were not skipped (retries included). */
  seconds: number;
}

interface CycleRun {
  seconds: number;
  /** From the cycle's start to `geo_databases_opened` (first cycle only). */
  geoOpenSeconds: number | null;
  report: Record<string, unknown>;
  /** Per relay, by URL: milliseconds of its run (`relay_checked`). */
  durations: Map<string, number>;
  /** Log lines the cycle wrote (debug level). */
  logLines: number;
  checks: Map<string, CheckFigures>;
  written: number;
  deduplicated: number;
  cpu: { monitor: number; relays: number; postgres: number };
  /** Seconds this process's main thread was runnable but waiting for a CPU (schedstat). */
  cpuWait: number;
  startRssMb: number;
  peakRssMb: number;
  load: [number, number];
}

interface Pids {
  host: number;
  postgres: number;
}

/** Seconds the main thread of `pid` has waited on a run queue (/proc/PID/schedstat). */
async function runQueueSeconds(pid: number | "self"): Promise<number> {
  const text = await readFile(`/proc/${pid}/schedstat`, "utf8").catch(() => "0 0");
  return Number(text.split(" ")[1] ?? 0) / 1e9;
}

async function cpuNow(pids: Pids) {
  return {
    monitor: ownCpuSeconds(),
    relays: await serverCpuSeconds(pids.host),
    postgres: await serverCpuSeconds(pids.postgres),
  };
}

/** Log messages the bench reads; every other line is counted and dropped. */
const KEPT = ["relay_checked", "geo_databases_opened"].map((m) => `"msg":"${m}"`);

/**
 * A monitor ServiceContext at debug level whose clock runs `offset` seconds ahead, with a
 * private metrics registry; of its log lines only the KEPT ones are parsed and kept.
 */
function benchContext(db: pg.Pool, offset: number) {
  const kept: Record<string, unknown>[] = [];
  const lines = { count: 0 };
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) {
        if (line === "") continue;
        lines.count++;
        if (KEPT.some((k) => line.includes(k))) kept.push(JSON.parse(line));
      }
      done();
    },
  });
  const registry = createRegistry();
  const log = createLogger({ level: "debug", format: "json", destination }).child({
    service: "monitor",
  });
  const ctx: ServiceContext = {
    db,
    log,
    metrics: createServiceMetrics(registry, "monitor"),
    signal: new AbortController().signal,
    now: () => Math.floor(Date.now() / 1000) + offset,
    outage: createDbOutage(log),
  };
  return { ctx, kept, lines, registry };
}

/** One monitor cycle with the clock `offset` seconds ahead, its figures from logs and metrics. */
async function monitorCycle(
  service: Service,
  pool: pg.Pool,
  offset: number,
  pids: Pids,
): Promise<CycleRun> {
  const t = benchContext(pool, offset);
  const ctx = t.ctx;
  const cpu0 = await cpuNow(pids);
  const wait0 = await runQueueSeconds("self");
  const load0 = loadavg()[0] ?? 0;
  const startRssMb = process.memoryUsage().rss / 2 ** 20;
  const startedAt = Date.now();
  const t0 = performance.now();
  const { value: outcome, peakMb } = await withPeakRss(() => runOnce(service, ctx), RSS_SAMPLE_MS);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = await cpuNow(pids);
  const cpuWait = (await runQueueSeconds("self")) - wait0;
  if (!outcome.ok) throw outcome.error ?? new Error("monitor cycle failed");
  const durations = new Map<string, number>();
  let geoOpenSeconds: number | null = null;
  for (const line of t.kept) {
    if (line.msg === "relay_checked") durations.set(String(line.relay), Number(line.ms));
    if (line.msg === "geo_databases_opened")
      geoOpenSeconds = (Number(line.time) - startedAt) / 1000;
  }
  const checks = new Map<string, CheckFigures>();
  const figures = (check: string) => {
    let f = checks.get(check);
    if (f === undefined) {
      f = { ok: 0, error: 0, skipped: 0, seconds: 0 };
      checks.set(check, f);
    }
    return f;
  };
  for (const s of await seriesOf(t.registry, "brotr_monitor_checks_total")) {
    const f = figures(String(s.labels.check));
    const outcomeLabel = s.labels.outcome as "ok" | "error" | "skipped";
    f[outcomeLabel] += s.value;
  }
  for (const s of await seriesOf(t.registry, "brotr_monitor_check_duration_seconds")) {
    if (s.name.endsWith("_sum")) figures(String(s.labels.check)).seconds += s.value;
  }
  const docs = await seriesOf(t.registry, "brotr_monitor_documents_total");
  const docsOf = (result: string) =>
    docs.filter((s) => s.labels.result === result).reduce((n, s) => n + s.value, 0);
  return {
    seconds,
    geoOpenSeconds,
    report: outcome.report ?? {},
    durations,
    logLines: t.lines.count,
    checks,
    written: docsOf("written"),
    deduplicated: docsOf("deduplicated"),
    cpu: {
      monitor: cpu1.monitor - cpu0.monitor,
      relays: cpu1.relays - cpu0.relays,
      postgres: cpu1.postgres - cpu0.postgres,
    },
    cpuWait,
    startRssMb,
    peakRssMb: peakMb,
    load: [load0, loadavg()[0] ?? 0],
  };
}

/**
 * The original's design run for real: the same per-relay checks (relay-check.ts) under a
 * p-limit of `slots`, chunk after chunk, each awaited in full; nothing written. Seconds.
 */
async function runChunked(
  check: CheckRuntime,
  urls: readonly string[],
  chunk: number,
  slots: number,
): Promise<number> {
  const limit = pLimit(slots);
  const signal = new AbortController().signal;
  const t0 = performance.now();
  for (let i = 0; i < urls.length; i += chunk) {
    const part = urls.slice(i, i + chunk);
    await Promise.all(
      part.map((url) => limit(() => checkOneRelay(check, url, "clearnet", signal))),
    );
  }
  return (performance.now() - t0) / 1000;
}

/** Whether TLS verified everywhere (the throwaway CA is trusted), over every history row. */
const TLS_SQL = `
  SELECT count(*) FILTER (WHERE t = 'nip66_rtt' AND d -> 'logs' ->> 'open_success' = 'true') AS opened,
         count(*) FILTER (WHERE t = 'nip66_rtt' AND d -> 'logs' ->> 'insecure' = 'true') AS insecure,
         count(*) FILTER (WHERE t = 'nip66_ssl' AND d -> 'data' ->> 'ssl_valid' = 'true') AS ssl_valid,
         count(*) FILTER (WHERE t = 'nip66_ssl') AS ssl
  FROM (SELECT rm.metadata_type AS t, m.data AS d FROM relay_metadata rm
        JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type) h`;

const num = (n: number, d = 0) => Number(n.toFixed(d));
const checksRun = (r: CycleRun) => [...r.checks.values()].reduce((n, f) => n + f.ok + f.error, 0);
const relaysPerMin = (r: CycleRun) => (r.durations.size / r.seconds) * 60;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

interface GeoAlone {
  base_mb: number;
  after_city_mb: number;
  after_asn_mb: number;
  peak_mb: number;
  after_gc_mb: number;
  after_gc_heap_mb: number;
  after_gc_external_mb: number;
  city_open_s: number;
  asn_open_s: number;
}

async function main(caFile: string): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  console.log(`# bench:monitor ${new Date().toISOString()}`);
  const fdLimit = await openFileLimit();
  // The relay host holds the listeners and the server ends; this process at most
  // max_tasks relays × (nip11, rtt, 2 ssl, http) client sockets plus the pool.
  if (fdLimit < 1024) throw new Error(`open-file limit ${fdLimit} is too low: ulimit -n 4096`);
  const load = loadavg().map((l) => l.toFixed(2));
  console.log(
    `nproc ${cpus().length}, node ${process.version}, load ${load.join(" ")}, open-file limit ${fdLimit}`,
  );
  const ca = JSON.parse(await readFile(caFile, "utf8")) as { cert: string };
  const h0 = performance.now();
  const { value: hosted, child } = await startJsonChild<{ relays: HostedMonitorRelay[] }>(
    "monitor-relay-host.ts",
    { relays: options.relays, ca: caFile, bad: options.bad, perPort: options.perPort },
  );
  const bench = await startBenchServer();
  try {
    const relays = hosted.relays;
    const kindOfUrl = new Map<string, RelayKind>();
    const urls = relays.map((r) => {
      const url = `wss://${r.name}:${r.port}${r.path}`;
      kindOfUrl.set(url, r.kind);
      return url;
    });
    const counts = RELAY_KINDS.map((k) => `${relays.filter((r) => r.kind === k).length} ${k}`);
    console.log(
      `PostgreSQL ${bench.version}; relays: ${counts.join(", ")} (TLS, ${options.perPort > 1 ? `by path, ${options.perPort} to a listener, one wildcard certificate a listener` : "a listener and certificate each"}; own NIP-11 and Server header; host ready in ${((performance.now() - h0) / 1000).toFixed(1)} s)`,
    );

    // Alone, in a fresh process: the bundled geo data's share of RSS.
    const { value: geo } = await startJsonChild<GeoAlone>("geo-rss.ts", {}, ["--expose-gc"]);
    console.log(
      `bundled geo data opened alone: RSS ${Math.round(geo.base_mb)} → ${Math.round(geo.after_city_mb)} MB (City, ${geo.city_open_s.toFixed(1)} s) → ${Math.round(geo.after_asn_mb)} MB (ASN, ${geo.asn_open_s.toFixed(1)} s), peak ${Math.round(geo.peak_mb)} MB; after a full GC ${Math.round(geo.after_gc_mb)} MB (JS heap ${Math.round(geo.after_gc_heap_mb)} MB, Buffers and typed arrays ${Math.round(geo.after_gc_external_mb)} MB)`,
    );

    const brotr = parseConfig(brotrConfigSchema, { allow_private: true }, "bench");
    // The shipped deployments' monitor.yaml sets clearnet 200 (the schema has no default).
    const tasks = { clearnet: options.maxTasks ?? 200 };
    const config = parseConfig(monitorConfigSchema, { processing: { max_tasks: tasks } }, "bench");
    const p = config.processing;
    const slots = tasks.clearnet;
    const pool = await bench.freshDatabase(
      "bigbrotr",
      brotr.database.partitions,
      brotr.database.pool.max,
    );
    await insertRelays(
      pool,
      urls.map((url, i) => ({ url, network: "clearnet" as const, discoveredAt: i + 1 })),
    );
    const zone: Record<string, FakeDnsRecord> = {
      [BENCH_DOMAIN]: { ns: [`ns1.${BENCH_DOMAIN}`, `ns2.${BENCH_DOMAIN}`] },
    };
    const ptr: Record<string, string[]> = {};
    for (const r of relays) {
      zone[r.name] = { a: [r.address], ttl: 300 };
      ptr[r.address] = [r.name];
    }
    const dns = createFakeDns({ zone, ptr });
    const secretKey = generateSecretKey();
    const service = createMonitor({ brotr, secretKey }, config, {
      resolver: dns,
      records: dns,
      ca: ca.cert,
    });
    console.log(
      `monitor: defaults (clearnet max_tasks ${slots}, timeout ${brotr.networks.clearnet.timeout} s, chunk_size ${p.chunk_size}, retries nip11 ${p.checks.nip11.retry.retries} rtt ${p.checks.rtt.retry.retries} ssl ${p.checks.ssl.retry.retries} dns ${p.checks.dns.retry.retries} http ${p.checks.http.retry.retries}), every check on, write probe signed with a generated key, bundled geo data opened by the monitor; allow_private`,
    );

    const pids = { host: child.pid ?? 0, postgres: bench.postmasterPid };
    const cycles: [string, CycleRun][] = [];
    // What is really held, after a forced full GC outside the measured windows.
    const held = [`before cycle 1 ${settled()}`];
    const step = p.recheck_interval + 60;
    for (let k = 0; k < options.cycles; k++) {
      const name = k === 0 ? "1" : `${k + 1} (clock + ${k * step} s)`;
      cycles.push([name, await monitorCycle(service, pool, k * step, pids)]);
      held.push(`after cycle ${k + 1} ${settled()}`);
    }
    await service.close?.();
    console.log(`after a forced full GC (--expose-gc): ${held.join("; ")}`);
    const stored = await pool.query<{ metadata: string; history: string }>(
      "SELECT (SELECT count(*) FROM metadata) AS metadata, (SELECT count(*) FROM relay_metadata) AS history",
    );

    console.log("");
    console.log(
      "| cycle | relays | seconds | relays/min | checks run | checks/s | history rows | documents written | deduplicated | up / down | CPU s monitor / relays / PostgreSQL | monitor waited for a CPU s | RSS MB start → peak | load 1 min start → end |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const [name, r] of cycles) {
      const geoNote = r.geoOpenSeconds === null ? "" : ` (geo open ${r.geoOpenSeconds.toFixed(1)})`;
      console.log(
        `| ${name} | ${r.durations.size} | ${r.seconds.toFixed(1)}${geoNote} | ${Math.round(relaysPerMin(r))} | ${checksRun(r)} | ${(checksRun(r) / r.seconds).toFixed(1)} | ${r.written + r.deduplicated} | ${r.written} | ${r.deduplicated} | ${r.report.up} / ${r.report.down} | ${r.cpu.monitor.toFixed(1)} / ${r.cpu.relays.toFixed(1)} / ${r.cpu.postgres.toFixed(1)} | ${r.cpuWait.toFixed(1)} | ${Math.round(r.startRssMb)} → ${Math.round(r.peakRssMb)} | ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)} |`,
      );
    }
    const row = stored.rows[0];
    const tls = (await pool.query<Record<string, string>>(TLS_SQL)).rows[0] ?? {};
    console.log(
      `tables after the cycles: metadata ${row?.metadata} documents, relay_metadata ${row?.history} rows; rtt opened ${tls.opened} times, ${tls.insecure} of them only without TLS verification; ssl valid (chain and name verified) ${tls.ssl_valid} of ${tls.ssl}; debug log lines per cycle ${cycles.map(([, r]) => r.logLines).join(", ")}`,
    );

    console.log("");
    console.log(
      `Against the original's design, chunks of ${p.chunk_size} each waiting for its slowest relay, on ${slots} slots: simulated from this cycle's measured per-relay durations (relay_checked ms, in due order), database writes and the geo open left out (both in favour of the baseline)`,
    );
    console.log(
      "| cycle | ours, measured s | continuous flow, simulated s | chunks of 100, simulated s | chunks ÷ ours |",
    );
    console.log("|---|---:|---:|---:|---:|");
    const comparison: { ours: number; chunked: number }[] = [];
    const whatIf: string[] = [];
    const timeoutMs = brotr.networks.clearnet.timeout * 1000;
    for (const [name, r] of cycles) {
      const ordered = urls.map((u) => r.durations.get(u) ?? 0);
      const chunked = chunkedMakespan(ordered, p.chunk_size, slots) / 1000;
      const ideal = listSchedule(ordered, slots) / 1000;
      comparison.push({ ours: r.seconds, chunked });
      console.log(
        `| ${name} | ${r.seconds.toFixed(1)} | ${ideal.toFixed(1)} | ${chunked.toFixed(1)} | ${(chunked / r.seconds).toFixed(2)} |`,
      );
      const longest = (d: number[]) =>
        listSchedule(
          [...d].sort((a, b) => b - a),
          slots,
        ) / 1000;
      const oneTimeout = ordered.map((d, i) =>
        relays[i]?.kind === "silent" ? Math.max(0, d - timeoutMs) : d,
      );
      whatIf.push(
        `| ${name} | ${ideal.toFixed(1)} | ${longest(ordered).toFixed(1)} | ${(listSchedule(oneTimeout, slots) / 1000).toFixed(1)} | ${longest(oneTimeout).toFixed(1)} |`,
      );
    }
    let measuredChunked: number | null = null;
    if (options.measureChunked) {
      const geoData = await openGeoData(p, pino({ level: "silent" }));
      const runtime: CheckRuntime = {
        processing: p,
        networks: brotr.networks,
        allowPrivate: brotr.allow_private,
        geo: geoData.city,
        asn: geoData.asn,
        secretKey,
        resolver: dns,
        records: dns,
        ca: ca.cert,
      };
      measuredChunked = await runChunked(runtime, urls, p.chunk_size, slots);
      console.log(
        `chunks of ${p.chunk_size} run for real (same checks through relay-check.ts, p-limit ${slots}, each chunk awaited, nothing written), after cycle 2: ${measuredChunked.toFixed(1)} s`,
      );
    }
    console.log("");
    console.log(
      "What-if, simulated from the same durations: relays started longest first (e.g. by their last run), and silent relays costing one timeout instead of two (rtt read and write each wait one now)",
    );
    console.log(
      "| cycle | continuous flow s | longest first s | silent at one timeout s | both s |",
    );
    console.log("|---|---:|---:|---:|---:|");
    for (const line of whatIf) console.log(line);

    console.log("");
    console.log("Per relay kind: run duration (nip11, then rtt, then the others together), ms");
    console.log("| cycle | kind | relays | mean | median | p90 | max | share of slot time |");
    console.log("|---|---|---:|---:|---:|---:|---:|---:|");
    for (const [name, r] of cycles) {
      const total = [...r.durations.values()].reduce((a, b) => a + b, 0);
      for (const kind of RELAY_KINDS) {
        const ms = [...r.durations]
          .filter(([u]) => kindOfUrl.get(u) === kind)
          .map(([, d]) => d)
          .sort((a, b) => a - b);
        const sum = ms.reduce((a, b) => a + b, 0);
        console.log(
          `| ${name} | ${kind} | ${ms.length} | ${Math.round(sum / Math.max(1, ms.length))} | ${percentile(ms, 0.5)} | ${percentile(ms, 0.9)} | ${ms.at(-1) ?? 0} | ${((100 * sum) / Math.max(1, total)).toFixed(1)} % |`,
        );
      }
    }

    console.log("");
    console.log("Per check (brotr_monitor_checks_total, brotr_monitor_check_duration_seconds)");
    console.log("| cycle | check | ok | error | skipped | mean ms a run | total s |");
    console.log("|---|---|---:|---:|---:|---:|---:|");
    for (const [name, r] of cycles) {
      for (const [check, f] of r.checks) {
        const runs = f.ok + f.error;
        console.log(
          `| ${name} | ${check} | ${f.ok} | ${f.error} | ${f.skipped} | ${Math.round((1000 * f.seconds) / Math.max(1, runs))} | ${f.seconds.toFixed(1)} |`,
        );
      }
    }

    const runs = cycles.map(([, r]) => r);
    const [first, second] = runs;
    if (!first || !second) throw new Error("missing cycle");
    const peak = Math.max(...runs.map((r) => r.peakRssMb));
    const sum = (f: (r: CycleRun) => number) => runs.reduce((n, r) => n + f(r), 0);
    const result = {
      relays: relays.length,
      relays_per_min: num(relaysPerMin(first)),
      checks_per_s: num(checksRun(first) / first.seconds, 1),
      metadata_rows_written: sum((r) => r.written),
      metadata_rows_deduplicated: sum((r) => r.deduplicated),
      peak_rss_mb: num(peak),
      target_relays_per_min_met:
        relays.length >= LARGE_RELAYS
          ? first.seconds <= LARGE_CYCLE_S
          : relaysPerMin(first) >= TARGET_RELAYS_PER_MIN,
      target_rss_met: peak < (relays.length >= LARGE_RELAYS ? LARGE_RSS_MB : TARGET_RSS_MB),
      cycle_seconds: num(first.seconds, 1),
      cpu_wait_seconds: num(first.cpuWait, 1),
      geo_open_seconds: first.geoOpenSeconds === null ? null : num(first.geoOpenSeconds, 1),
      relays_per_min_cycle2: num(relaysPerMin(second)),
      written_cycle1: first.written,
      deduplicated_cycle1: first.deduplicated,
      written_cycle2: second.written,
      deduplicated_cycle2: second.deduplicated,
      chunked_baseline_seconds: num(comparison[0]?.chunked ?? 0, 1),
      chunked_over_ours: num((comparison[0]?.chunked ?? 0) / first.seconds, 2),
      geo_alone_rss_mb: num(geo.after_asn_mb - geo.base_mb),
      ...(measuredChunked === null ? {} : { chunked_measured_seconds: num(measuredChunked, 1) }),
    };
    console.log("");
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    await bench.close();
    child.stdin?.end();
    child.kill("SIGTERM");
  }
}

const caFile = process.env[CA_ENV];
if (caFile === undefined) process.exitCode = await relaunch();
else await main(caFile);
