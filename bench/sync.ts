/**
 * `npm run bench:sync [-- --events 100000 --relays 10 --copies 4 --big 500000]`: one
 * synchronizer cycle over `relays` fake relays (each of `events` signed events on about
 * `copies` of them) into a fresh bigbrotr database on a private embedded PostgreSQL, against
 * bench:db's write loop on the same sightings; one relay fetched by nostr-fetch and by the
 * synchronizer alone; peak RSS of `bigbrotr synchronizer --once --relay` run as its own
 * process on a relay of `events` and on one of `big` events. The relays run in a child
 * process too (support/relay-host.ts).
 */

import { readFile } from "node:fs/promises";
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import * as nostrFetch from "nostr-fetch";
import type pg from "pg";
import pino from "pino";
import WebSocket from "ws";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../src/core/config/load.js";
import { brotrConfigSchema } from "../src/core/config/schemas.js";
import type { ArchiveItem } from "../src/core/db/archive.js";
import { insertRelays } from "../src/core/db/relays.js";
import { createDbOutage } from "../src/core/db-outage.js";
import { createRegistry, createServiceMetrics } from "../src/core/metrics.js";
import { type CycleReport, runOnce, type ServiceContext } from "../src/core/service.js";
import { loadNostrWasm } from "../src/devnet/crypto.js";
import type { NostrEvent } from "../src/models/event-types.js";
import { synchronizerConfigSchema } from "../src/services/synchronizer/config.js";
import { createSynchronizer } from "../src/services/synchronizer/service.js";
import { metricValue } from "../test/support/service-context.js";
import { archiveLoop } from "./support/archive-loop.js";
import { argValue } from "./support/args.js";
import { ownCpuSeconds, processCpuSeconds, serverCpuSeconds } from "./support/cpu.js";
import { loadSignedEvents, relaysOf } from "./support/event-cache.js";
import { withPeakRss } from "./support/peak-rss.js";
import { type HostedRelay, startRelayHost } from "./support/relay-host-process.js";
import { type BenchServer, startBenchServer } from "./support/server.js";
import { runServiceProcess } from "./support/service-rss.js";

/** nostr-fetch 0.17's .d.ts use extensionless relative imports, which NodeNext does not
 * resolve (NostrFetcher is then missing from its types): the little used here, typed here. */
interface Fetcher {
  fetchAllEvents(
    relayUrls: string[],
    filter: Record<string, unknown>,
    timeRange: { since?: number; until?: number },
    options: { eventVerifier: (event: NostrEvent) => boolean },
  ): Promise<{ id: string }[]>;
  shutdown(): void;
}
const { NostrFetcher } = nostrFetch as unknown as {
  NostrFetcher: {
    init(options: { webSocketConstructor: unknown }): Fetcher;
  };
};

const PARTITIONS = 16;
const MAX_LIMIT = 500;
/** bench:db's defaults: sightings per archiveEvents call, concurrent archivers. */
const DB_BATCH = 10_000;
const DB_ARCHIVERS = 2;
/** Synchronizer pool: writer, lease and stored-id queries. */
const SYNC_CONNECTIONS = 4;

interface Options {
  events: number;
  relays: number;
  copies: number;
  big: number;
  /** Only the share relays' cycle (for profiling): no RSS runs, loop, or peer. */
  cycleOnly: boolean;
  /** Verifier thread counts for events_per_s_by_workers ("" skips it). */
  workers: string;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => argValue(argv, name);
  return {
    events: Number(value("--events") ?? 100_000),
    relays: Number(value("--relays") ?? 10),
    copies: Number(value("--copies") ?? 4),
    big: Number(value("--big") ?? 500_000),
    cycleOnly: argv.includes("--cycle-only"),
    workers: value("--workers") ?? `1,2,${cpus().length}`,
  };
}

/** CPU seconds spent during a run by this process (workers included), the relays, PostgreSQL. */
interface CpuUse {
  own: number;
  relays: number;
  pg: number;
}

/** Measures the CPU seconds each party spends while `work` runs. */
async function cpuDuring<T>(
  bench: BenchServer,
  relayPid: number | undefined,
  work: () => Promise<T>,
): Promise<{ value: T; cpu: CpuUse }> {
  const relays = async () => (relayPid === undefined ? 0 : processCpuSeconds(relayPid));
  const before = {
    own: ownCpuSeconds(),
    relays: await relays(),
    pg: await serverCpuSeconds(bench.postmasterPid),
  };
  const value = await work();
  const cpu = {
    own: ownCpuSeconds() - before.own,
    relays: (await relays()) - before.relays,
    pg: (await serverCpuSeconds(bench.postmasterPid)) - before.pg,
  };
  return { value, cpu };
}

const cpuTotal = (c: CpuUse) => c.own + c.relays + c.pg;

interface SyncRun {
  cpu: CpuUse;
  seconds: number;
  report: CycleReport;
  signaturesSkipped: number;
  peakRssMb: number;
  startRssMb: number;
  pool: pg.Pool;
}

/** One synchronizer cycle over `relays` (or only `relayUrl`) into a fresh database. */
async function syncOnce(
  bench: BenchServer,
  relayPid: number | undefined,
  relays: HostedRelay[],
  relayUrl?: string,
  verifierThreads?: number,
): Promise<SyncRun> {
  const pool = await bench.freshDatabase("bigbrotr", PARTITIONS, SYNC_CONNECTIONS);
  await insertRelays(
    pool,
    relays.map((r) => ({ url: r.url, network: "clearnet" as const, discoveredAt: 1 })),
  );
  const brotr = parseConfig(brotrConfigSchema, { allow_private: true }, "bench");
  const config = parseConfig(
    synchronizerConfigSchema,
    { processing: { require_readable: false, end_lag: 0, lookback: 0 } },
    "bench",
  );
  const registry = createRegistry();
  const log = pino({ level: "silent" });
  const ctx: ServiceContext = {
    db: pool,
    log,
    metrics: createServiceMetrics(registry, "synchronizer"),
    signal: new AbortController().signal,
    now: () => Math.floor(Date.now() / 1000),
    outage: createDbOutage(log),
  };
  const service = createSynchronizer({ brotr }, config, {
    ...(relayUrl ? { relayUrl } : {}),
    ...(verifierThreads === undefined ? {} : { verifierThreads }),
  });
  const startRssMb = process.memoryUsage().rss / 2 ** 20;
  try {
    const t0 = performance.now();
    const {
      value: { value: outcome, peakMb },
      cpu,
    } = await cpuDuring(bench, relayPid, () => withPeakRss(() => runOnce(service, ctx)));
    const seconds = (performance.now() - t0) / 1000;
    if (!outcome.ok) throw outcome.error ?? new Error("cycle failed");
    const skipped = await metricValue(registry, "brotr_synchronizer_signatures_skipped_total");
    return {
      cpu,
      seconds,
      report: outcome.report ?? {},
      signaturesSkipped: skipped ?? 0,
      peakRssMb: peakMb,
      startRssMb,
      pool,
    };
  } finally {
    await service.close?.();
  }
}

async function storedIdsOn(pool: pg.Pool, url: string): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT encode(er.event_id, 'hex') AS id FROM event_relay er JOIN relay r ON r.id = er.relay_id
     WHERE r.url = $1`,
    [url],
  );
  return new Set(rows.map((r) => r.id));
}

/** Share of `truth` found in `got` (ids outside `truth` count against it). */
function idsPct(got: Iterable<string>, truth: Set<string>): number {
  let hits = 0;
  let extra = 0;
  for (const id of got) {
    if (truth.has(id)) hits++;
    else extra++;
  }
  return (100 * Math.max(0, hits - extra)) / truth.size;
}

const num = (n: number, d = 0) => Number(n.toFixed(d));

/** CPU of this process (its worker threads included) per sighting received, in µs. */
const perCopyUs = (r: SyncRun) =>
  num((1e6 * r.cpu.own) / Math.max(1, Number(r.report.sightings ?? 0)), 1);

/** "1,2,2" → [1, 2]: the distinct positive worker counts asked for. */
function workerCounts(list: string): number[] {
  const counts = list
    .split(",")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  return [...new Set(counts)];
}

/** NODE_OPTIONS the bigbrotr compose file gives the synchronizer ("" if none). */
async function synchronizerNodeOptions(): Promise<string> {
  const compose = parseYaml(await readFile("deployments/bigbrotr/docker-compose.yaml", "utf8"), {
    merge: true,
  }) as { services: Record<string, { environment?: Record<string, string> }> };
  return compose.services.synchronizer?.environment?.NODE_OPTIONS ?? "";
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  console.log(`# bench:sync ${new Date().toISOString()}`);
  const t0 = performance.now();
  // The big relay has a host of its own, stopped once its RSS run is done: a 500,000-event
  // heap in the share relays' host made its every GC slower and every later run with it.
  const { hosted, child } = await startRelayHost({ ...options, big: 0, maxLimit: MAX_LIMIT });
  const bench = await startBenchServer();
  try {
    console.log(`nproc ${cpus().length}, node ${process.version}, PostgreSQL ${bench.version}`);
    const sightingsTotal = hosted.shares.reduce((s, r) => s + r.count, 0);
    console.log(
      `relays: ${hosted.shares.length} share relays (max_limit ${MAX_LIMIT}) holding ${options.events} signed events, ${sightingsTotal} sightings (${(sightingsTotal / options.events).toFixed(2)} a event); one relay of ${hosted.all.count}${options.big > 0 ? ` and one of ${options.big} (own host, started after)` : ""} events (relay host ready in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    const rows: string[] = [
      "| run | relays | events | sightings | seconds | events/s | sightings/s | signatures skipped | RSS MB start → peak |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ];
    const line = (name: string, relays: number, r: SyncRun) => {
      const stored = Number(r.report.stored ?? 0);
      const sightings = Number(r.report.sightings ?? 0);
      const text = `| ${name} | ${relays} | ${stored} | ${sightings} | ${r.seconds.toFixed(1)} | ${Math.round(stored / r.seconds)} | ${Math.round(sightings / r.seconds)} | ${r.signaturesSkipped} | ${Math.round(r.startRssMb)} → ${Math.round(r.peakRssMb)} |`;
      rows.push(text);
      console.log(text);
    };
    console.log(rows.join("\n"));
    rows.length = 2;
    if (options.cycleOnly) {
      const only = await syncOnce(bench, child.pid, hosted.shares);
      line("synchronizer, all share relays", hosted.shares.length, only);
      console.log(`RESULT ${JSON.stringify({ sync_cpu_us_per_copy: perCopyUs(only) })}`);
      return;
    }

    // RSS flatness: `bigbrotr synchronizer --once --relay` as its own process on each relay,
    // its peak RSS the kernel's high-water mark (nothing of this process counts).
    const rssRun = async (relay: HostedRelay, nodeOptions: string) => {
      const pool = await bench.freshDatabase("bigbrotr", PARTITIONS, 1);
      await insertRelays(pool, [{ url: relay.url, network: "clearnet", discoveredAt: 1 }]);
      const run = await runServiceProcess({
        service: "synchronizer",
        args: ["--relay", relay.url],
        brotrYaml: "allow_private: true\nlog: { format: json }\n",
        serviceYaml: "processing: { require_readable: false, end_lag: 0, lookback: 0 }\n",
        databaseUrl: bench.databaseUrl,
        env: { NODE_OPTIONS: nodeOptions },
      });
      const stored = Number(run.report.stored ?? 0);
      const how = nodeOptions === "" ? "node defaults" : nodeOptions;
      const text = `| \`bigbrotr synchronizer --once --relay\` process, ${how} (RSS, ${relay.count} events) | 1 | ${stored} | ${Number(run.report.sightings ?? 0)} | ${run.seconds.toFixed(1)} (process, start-up included) | ${Math.round(stored / run.seconds)} | ${Math.round(Number(run.report.sightings ?? 0) / run.seconds)} | – | peak ${Math.round(run.peakRssMb)} |`;
      rows.push(text);
      console.log(text);
      if (stored !== relay.count) throw new Error(`stored ${stored} of ${relay.count}`);
      return run;
    };
    // As deployed (the compose file's NODE_OPTIONS for the synchronizer), and with node's
    // defaults (a heap limit of about 4 GB on a 64-bit machine).
    const shipped = await synchronizerNodeOptions();
    const rssBoth = async (relay: HostedRelay) => ({
      shipped: await rssRun(relay, shipped),
      defaults: await rssRun(relay, ""),
    });
    const rssAll = await rssBoth(hosted.all);
    let rssBig = null;
    if (options.big > 0) {
      const big = await startRelayHost({
        events: options.big,
        relays: 0,
        copies: options.copies,
        big: 0,
        maxLimit: MAX_LIMIT,
      });
      try {
        rssBig = await rssBoth(big.hosted.all);
      } finally {
        big.child.stdin?.end();
        big.child.kill("SIGTERM");
      }
    }

    // One cycle over every share relay.
    const full = await syncOnce(bench, child.pid, hosted.shares);
    line("synchronizer, all share relays", hosted.shares.length, full);
    const uniquePerS = Number(full.report.stored ?? 0) / full.seconds;
    // The same cycle with 1, 2, … worker threads (each in a fresh database).
    const byWorkers: Record<string, number> = {};
    for (const n of workerCounts(options.workers)) {
      const run = await syncOnce(bench, child.pid, hosted.shares, undefined, n);
      line(`synchronizer, all share relays, ${n} worker thread(s)`, hosted.shares.length, run);
      byWorkers[String(n)] = num(Number(run.report.stored ?? 0) / run.seconds);
    }
    const sightingsPerS = Number(full.report.sightings ?? 0) / full.seconds;

    // The same sightings through bench:db's write loop.
    const events = await loadSignedEvents(options.events);
    const items: ArchiveItem[] = [];
    const seenAt = Math.floor(Date.now() / 1000);
    events.forEach((event, i) => {
      for (const r of relaysOf(i, options.relays, options.copies)) {
        const relay = hosted.shares[r];
        if (relay) items.push({ event, relayUrl: relay.url, network: "clearnet", seenAt });
      }
    });
    const dbPool = await bench.freshDatabase("bigbrotr", PARTITIONS, DB_ARCHIVERS);
    const { value: db, cpu: dbCpu } = await cpuDuring(bench, undefined, () =>
      archiveLoop(dbPool, items, {
        profile: "bigbrotr",
        batch: DB_BATCH,
        archivers: DB_ARCHIVERS,
        asyncCommit: true,
      }),
    );
    const dbPerS = db.events / db.seconds;
    const dbLine = `| bench:db loop (v2, ${DB_ARCHIVERS} × ${DB_BATCH}), same sightings | – | ${db.events} | ${db.sightings} | ${db.seconds.toFixed(1)} | ${Math.round(dbPerS)} | ${Math.round(db.sightings / db.seconds)} | – | – |`;
    rows.push(dbLine);
    console.log(dbLine);

    // Peer: one share relay's full set, by nostr-fetch and by the synchronizer alone.
    const peer = hosted.shares[0];
    if (!peer) throw new Error("no share relay");
    const truth = new Set<string>();
    events.forEach((event, i) => {
      if (relaysOf(i, options.relays, options.copies).includes(0)) truth.add(event.id);
    });
    // nostr-fetch's default verifier (pure JS) costs about 7 ms an event here; it is given
    // nostr-wasm's, as its README suggests, so that both sides check signatures natively.
    const wasm = await loadNostrWasm();
    const fetcher = NostrFetcher.init({ webSocketConstructor: WebSocket });
    const eventVerifier = (event: NostrEvent) => {
      try {
        wasm.verifyEvent(event);
        return true;
      } catch {
        return false;
      }
    };
    const f0 = performance.now();
    const fetched = await fetcher.fetchAllEvents([peer.url], {}, {}, { eventVerifier });
    const nostrFetchSeconds = (performance.now() - f0) / 1000;
    fetcher.shutdown();
    const nostrFetchPct = idsPct(
      fetched.map((e) => e.id),
      truth,
    );
    const ours = await syncOnce(bench, child.pid, [peer], peer.url);
    const oursPct = idsPct(await storedIdsOn(ours.pool, peer.url), truth);
    line(`synchronizer --relay (peer, ${peer.count} events)`, 1, ours);
    const fetchLine = `| nostr-fetch fetchAllEvents (peer, ${peer.count} events) | 1 | ${fetched.length} fetched | – | ${nostrFetchSeconds.toFixed(1)} | ${Math.round(fetched.length / nostrFetchSeconds)} | – | – | – |`;
    rows.push(fetchLine);
    console.log(fetchLine);

    console.log("");
    console.log(rows.join("\n"));
    console.log("");
    console.log(
      `signature checks skipped (verifier cache hits, counted in the synchronizer): ${full.signaturesSkipped}; sightings − unique events = ${Number(full.report.sightings ?? 0) - Number(full.report.stored ?? 0)} (the most that could be skipped)`,
    );
    console.log(
      `peer relay: ${truth.size} ids; synchronizer got ${oursPct.toFixed(2)} %, nostr-fetch ${nostrFetchPct.toFixed(2)} % (${fetched.length} events returned)`,
    );
    // Both runs hold 2 cores busy most of the time, so the rate each can reach is bounded by
    // the CPU it spends per event: the ratio of the totals is db_ratio's ceiling on this box.
    const cpuCeiling = cpuTotal(dbCpu) / cpuTotal(full.cpu);
    const cpuRow = (name: string, c: CpuUse, seconds: number, events: number) =>
      `| ${name} | ${c.own.toFixed(1)} | ${c.relays.toFixed(1)} | ${c.pg.toFixed(1)} | ${cpuTotal(c).toFixed(1)} | ${((100 * cpuTotal(c)) / (seconds * cpus().length)).toFixed(0)} % | ${((1e6 * cpuTotal(c)) / events).toFixed(0)} |`;
    console.log("");
    console.log(
      [
        "| CPU seconds | this process (verifier threads included) | relay host | PostgreSQL | total | of all cores | µs per unique event |",
        "|---|---:|---:|---:|---:|---:|---:|",
        cpuRow(
          "synchronizer, all share relays",
          full.cpu,
          full.seconds,
          Number(full.report.stored ?? 1),
        ),
        cpuRow("bench:db loop, same sightings", dbCpu, db.seconds, db.events),
      ].join("\n"),
    );
    console.log(
      `CPU ceiling of db_ratio on ${cpus().length} cores (bench:db loop's CPU / the synchronizer's, all parties): ${cpuCeiling.toFixed(2)}`,
    );
    const result = {
      unique_events_per_s: num(uniquePerS),
      sightings_per_s: num(sightingsPerS),
      db_events_per_s: num(dbPerS),
      db_ratio: num(uniquePerS / dbPerS, 2),
      ours_seconds: num(ours.seconds, 2),
      nostr_fetch_seconds: num(nostrFetchSeconds, 2),
      ours_ids_pct: num(oursPct, 2),
      nostr_fetch_ids_pct: num(nostrFetchPct, 2),
      signatures_skipped: full.signaturesSkipped,
      peak_rss_mb_100k: num(rssAll.shipped.peakRssMb),
      peak_rss_mb_500k: rssBig ? num(rssBig.shipped.peakRssMb) : null,
      peak_rss_mb_100k_node_defaults: num(rssAll.defaults.peakRssMb),
      peak_rss_mb_500k_node_defaults: rssBig ? num(rssBig.defaults.peakRssMb) : null,
      rss_node_options: shipped,
      sync_cpu_s: num(full.cpu.own, 1),
      relay_host_cpu_s: num(full.cpu.relays, 1),
      sync_pg_cpu_s: num(full.cpu.pg, 1),
      db_loop_cpu_s: num(cpuTotal(dbCpu), 1),
      cpu_ceiling_ratio: num(cpuCeiling, 2),
      sync_cpu_us_per_copy: perCopyUs(full),
      events_per_s_by_workers: byWorkers,
    };
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    await bench.close();
    child.stdin?.end();
    child.kill("SIGTERM");
  }
}

await main();
