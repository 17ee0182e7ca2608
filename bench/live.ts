/**
 * `npm run bench:live [-- --relays 500 --rate 1000 --seconds 30 --copies 3 --seed 1]`: live
 * ingest of a devnet. `relays` empty fake relays run in a child process
 * (support/live-host.ts); this process runs the synchronizer's live loop on them (one live
 * subscription each) into a fresh bigbrotr database on a private embedded PostgreSQL. The
 * child then publishes a seeded random stream, `rate` signed events per second for
 * `seconds`, each on 1..`copies` relays, and the latency of each event from its first
 * relay's accept to the commit of the live batch that archived it is measured. Then one
 * windowed cycle (the backstop) runs, and every published event must be archived.
 * RSS per 1,000 idle subscriptions: RSS after an empty cycle (verifier and pool started), then
 * with every relay subscribed, both after GC (the script runs with --expose-gc).
 */

import { cpus, loadavg } from "node:os";
import { createInterface } from "node:readline";
import type pg from "pg";
import pino from "pino";
import { parseConfig } from "../src/core/config/load.js";
import { brotrConfigSchema } from "../src/core/config/schemas.js";
import { insertRelays } from "../src/core/db/relays.js";
import { createDbOutage } from "../src/core/db-outage.js";
import { createRegistry, createServiceMetrics, type Registry } from "../src/core/metrics.js";
import { runOnce, type ServiceContext } from "../src/core/service.js";
import { synchronizerConfigSchema } from "../src/services/synchronizer/config.js";
import { createSynchronizer } from "../src/services/synchronizer/service.js";
import { metricValue } from "../test/support/service-context.js";
import { argValue } from "./support/args.js";
import { startJsonChild } from "./support/child.js";
import { ownCpuSeconds, processCpuSeconds, serverCpuSeconds } from "./support/cpu.js";
import { startBenchServer } from "./support/server.js";

const args = process.argv.slice(2);
const num = (name: string, fallback: number) => Number(argValue(args, name) ?? fallback);
const o = {
  relays: num("--relays", 500),
  rate: num("--rate", 1000),
  seconds: num("--seconds", 30),
  copies: num("--copies", 3),
  seed: num("--seed", 1),
};

const rssMb = () => process.memoryUsage.rss() / 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

async function waitFor(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** The next JSON line the host prints (one iterator: a for-await loop would close it). */
async function nextJson(lines: AsyncIterator<string>): Promise<unknown> {
  for (;;) {
    const next = await lines.next();
    if (next.done) throw new Error("the live host ended without an answer");
    if (next.value.startsWith("{")) return JSON.parse(next.value);
  }
}

async function openSubscriptions(registry: Registry): Promise<number> {
  return (await metricValue(registry, "brotr_synchronizer_live_subscriptions")) ?? 0;
}

/** RSS after a GC (when exposed) and a moment to settle. */
async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await sleep(1000);
    (globalThis as { gc?: () => void }).gc?.();
  }
  return rssMb();
}

async function addRelays(pool: pg.Pool, urls: readonly string[]): Promise<void> {
  await insertRelays(
    pool,
    urls.map((url) => ({ url, network: "clearnet" as const, discoveredAt: 1 })),
  );
}

function serviceOf() {
  const brotr = parseConfig(
    brotrConfigSchema,
    { allow_private: true, networks: { clearnet: { max_tasks: 50 } } },
    "bench",
  );
  const live = { refresh: 1, networks: { clearnet: { max_subscriptions: o.relays } } };
  const processing = { require_readable: false, end_lag: 0, lookback: 0, live };
  const config = parseConfig(synchronizerConfigSchema, { processing }, "bench");
  const committed = new Map<string, number>();
  const service = createSynchronizer({ brotr }, config, {
    onLiveCommitted: (items) => {
      const now = Date.now();
      for (const i of items) if (!committed.has(i.event.id)) committed.set(i.event.id, now);
    },
  });
  return { service, committed };
}

async function main(): Promise<void> {
  console.log(`# bench:live ${new Date().toISOString()}`);
  console.log(
    `nproc ${cpus().length}, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const { value: host, child } = await startJsonChild<{ urls: string[] }>("live-host.ts", o);
  const answers = createInterface({ input: child.stdout as NodeJS.ReadableStream })[
    Symbol.asyncIterator
  ]();
  const bench = await startBenchServer();
  const pool = await bench.freshDatabase("bigbrotr", 16, 8);
  const registry = createRegistry();
  const stop = new AbortController();
  const log = pino({ level: "warn" });
  const ctx: ServiceContext = {
    db: pool,
    log,
    metrics: createServiceMetrics(registry, "synchronizer"),
    signal: stop.signal,
    now: () => Math.floor(Date.now() / 1000),
    outage: createDbOutage(log),
  };
  const { service, committed } = serviceOf();
  try {
    // An empty cycle starts the verifier threads and the pool: the baseline has them.
    const empty = await runOnce(service, { ...ctx, signal: new AbortController().signal });
    if (!empty.ok) throw empty.error ?? new Error("empty cycle failed");
    const rssNone = await settledRss();
    await addRelays(pool, host.urls);
    const running = service.background?.(ctx);
    const open = async () => (await openSubscriptions(registry)) >= o.relays;
    const t1 = Date.now();
    await waitFor(`${o.relays} subscriptions`, open, 600_000);
    const openSeconds = (Date.now() - t1) / 1000;
    const rssAll = await settledRss();
    const perThousand = ((rssAll - rssNone) / o.relays) * 1000;
    console.log(
      `RSS ${rssNone.toFixed(0)} MB without subscriptions, ${rssAll.toFixed(0)} MB with ${o.relays} (opened in ${openSeconds.toFixed(1)} s)`,
    );

    // The host signs the stream first (its clock and the CPU counts start after).
    child.stdin?.write("prepare\n");
    await nextJson(answers);
    const cpu0 = {
      own: ownCpuSeconds(),
      host: await processCpuSeconds(child.pid ?? 0),
      pg: await serverCpuSeconds(bench.postmasterPid),
    };
    const t0 = Date.now();
    child.stdin?.write("go\n");
    let published:
      | { published: number; seconds: number; accepted: Record<string, number> }
      | undefined;
    published = (await nextJson(answers)) as typeof published;
    if (published === undefined) throw new Error("the live host ended without an answer");
    const ids = Object.keys(published.accepted);
    // Settled: every event archived live, or neither copies received nor commits for 30 s
    // (a starved relay host may still be sending long after its stream's clock ended).
    let last = "";
    let still = 0;
    while (committed.size < ids.length && still < 150) {
      const now = `${committed.size}/${await metricValue(registry, "brotr_synchronizer_live_events_total")}`;
      still = now === last ? still + 1 : 0;
      last = now;
      await sleep(200);
    }
    const seconds = (Date.now() - t0) / 1000;
    const cpu = {
      own: ownCpuSeconds() - cpu0.own,
      host: (await processCpuSeconds(child.pid ?? 0)) - cpu0.host,
      pg: (await serverCpuSeconds(bench.postmasterPid)) - cpu0.pg,
    };
    const peakRss = rssMb();
    stop.abort();
    await running;
    const lat = ids
      .map((id) => (committed.get(id) ?? Number.NaN) - (published?.accepted[id] ?? 0))
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
    const missedLive = ids.length - lat.length;

    // The backstop: one windowed cycle over every relay.
    const cycleCtx = { ...ctx, signal: new AbortController().signal };
    const outcome = await runOnce(service, cycleCtx);
    if (!outcome.ok) throw outcome.error ?? new Error("backstop cycle failed");
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM event WHERE id = ANY($1::bytea[])",
      [ids.map((id) => Buffer.from(id, "hex"))],
    );
    const lost = ids.length - (rows[0]?.n ?? 0);
    const throttled =
      (await metricValue(registry, "brotr_synchronizer_live_throttled_events_total")) ?? 0;
    const received = (await metricValue(registry, "brotr_synchronizer_live_events_total")) ?? 0;
    const result = {
      relays: o.relays,
      rate: o.rate,
      seconds: o.seconds,
      events_published: ids.length,
      publish_seconds: published.seconds,
      publish_rate_achieved: Math.round(ids.length / published.seconds),
      live_copies_received: received,
      live_archived: lat.length,
      live_missed_before_backstop: missedLive,
      live_throttled: throttled,
      live_latency_p50_ms: quantile(lat, 0.5),
      live_latency_p95_ms: quantile(lat, 0.95),
      live_latency_p99_ms: quantile(lat, 0.99),
      live_latency_max_ms: lat.at(-1) ?? null,
      live_events_lost: lost,
      rss_mb_without_subscriptions: Math.round(rssNone),
      rss_mb_with_all_subscriptions: Math.round(rssAll),
      rss_mb_per_1000_subscriptions: Math.round(perThousand * 10) / 10,
      rss_mb_peak_streaming: Math.round(peakRss),
      cpu_us_per_event: Math.round((cpu.own / ids.length) * 1e6),
      relay_host_cpu_us_per_event: Math.round((cpu.host / ids.length) * 1e6),
      postgres_cpu_us_per_event: Math.round((cpu.pg / ids.length) * 1e6),
      stream_seconds_to_settle: Math.round(seconds * 10) / 10,
      load_after: loadavg()[0],
    };
    console.log("| key | value |\n|---|---:|");
    for (const [k, v] of Object.entries(result)) console.log(`| ${k} | ${v} |`);
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    stop.abort();
    await service.close?.();
    child.stdin?.end();
    await bench.close();
  }
}

await main();
process.exit(0);
