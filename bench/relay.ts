/**
 * `npm run bench:relay [-- --events 1000000 --requests 20000 --connections 1000 --rate 200
 * --seconds 60]`: `bigbrotr relay` in its own process on a private embedded PostgreSQL holding
 * `events` events (bench:api's dataset, support/api-data.ts). Over index-backed filters (an
 * author, a kind before a random time, a topic tag, ten ids; limit 50 each) it measures REQ
 * latency (REQ to EOSE) at `--rate` REQs a second arriving at random over 100 connections
 * (open loop, each timed from its scheduled departure: `req_p50_ms`, `req_p99_ms`), and the
 * most REQs a second 100 clients each sending its next REQ at the last one's EOSE get answered
 * (closed loop: `req_per_s`; its latency, `req_p99_ms_saturated`, is that queue), the bytes of a NIP-77 session over the whole
 * archive by NDK's negentropy holding 99 % of it, the relay's RSS per 1,000 connections each
 * holding a live subscription, and the share of the archive's ids nostr-fetch's
 * fetchAllEvents pages out of it.
 */
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { AUTHORS, fillBenchDatabase, TOPICS } from "./support/api-data.js";
import { argValue } from "./support/args.js";
import { startJsonChild } from "./support/child.js";
import { processCpuSeconds, serverCpuSeconds } from "./support/cpu.js";
import { fetchAllIds } from "./support/nostr-fetch.js";
import { idleConnections, negSession, pacedReqLoad, reqLoad } from "./support/relay-load.js";
import { startBenchServer } from "./support/server.js";

const CONCURRENCY = 100;
const LIMIT = 50;

function parseArgs(argv: string[]) {
  const value = (name: string, fallback: number) => Number(argValue(argv, name) ?? fallback);
  return {
    events: value("--events", 1_000_000),
    requests: value("--requests", 20_000),
    connections: value("--connections", 1000),
    rate: value("--rate", 200),
    seconds: value("--seconds", 60),
  };
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}

const hash = (s: string) => createHash("sha256").update(s).digest("hex");
const rand = (n: number) => Math.floor(Math.random() * n);

/** bench:api's events: id sha256('e'+i), author sha256('p'+k), topic 'topic'+k. */
function filterOf(i: number, events: number, end: number, span: number): Record<string, unknown> {
  switch (i % 4) {
    case 0:
      return { authors: [hash(`p${rand(AUTHORS)}`)], limit: LIMIT };
    case 1:
      return { kinds: [1], until: end - rand(span), limit: LIMIT };
    case 2:
      return { "#t": [`topic${rand(TOPICS)}`], limit: LIMIT };
    default:
      return { ids: Array.from({ length: 10 }, () => hash(`e${rand(events)}`)), limit: LIMIT };
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const bench = await startBenchServer();
  let child: ChildProcess | undefined;
  try {
    const pool = await bench.freshDatabase("bigbrotr", 16, 2);
    const end = Math.floor(Date.now() / 1000) - 60;
    const t0 = performance.now();
    await fillBenchDatabase(pool, { relays: 10, days: 1, events: options.events, end }, log);
    const loadS = (performance.now() - t0) / 1000;
    const { rows } = await pool.query<{ t: string; id: string }>(
      "SELECT created_at AS t, encode(id, 'hex') AS id FROM event",
    );
    const dbUrl = new URL(bench.server.adminUrl);
    dbUrl.pathname = "/bench";
    const config = {
      server: { port: 0 },
      limits: {
        max_connections_per_ip: options.connections + 2 * CONCURRENCY,
        // Every client is 127.0.0.1: the idle connections' subscriptions and the REQ loads'.
        max_subscriptions_per_ip: options.connections + 100 * CONCURRENCY,
        max_neg_records: options.events + 1,
      },
    };
    const host = await startJsonChild<{ url: string; pid: number }>(
      "relay-server-host.ts",
      {
        url: dbUrl.toString(),
        pool: 10,
        config,
      },
      process.env.RELAY_PROF ? ["--cpu-prof", "--cpu-prof-dir=/tmp/f-relay2/prof"] : [],
    );
    child = host.child;
    const { url, pid } = host.value;
    const span = 30 * 86_400;
    const before = await rssMb(pid);
    const sockets = await idleConnections(url, options.connections);
    const after = await rssMb(pid);
    for (const ws of sockets) ws.close();
    const perThousand = ((after - before) * 1000) / options.connections;
    log(
      `RSS: ${before.toFixed(1)} MB, ${after.toFixed(1)} MB with ${options.connections} connections`,
    );
    await reqLoad(url, 10, 200, (i) => filterOf(i, options.events, end, span)); // warm up
    const cpu0 = [await processCpuSeconds(pid), await serverCpuSeconds(bench.postmasterPid)];
    const req = await reqLoad(url, CONCURRENCY, options.requests, (i) =>
      filterOf(i, options.events, end, span),
    );
    const cpu1 = [await processCpuSeconds(pid), await serverCpuSeconds(bench.postmasterPid)];
    // CPU per REQ, relay process and PostgreSQL: what the load on a shared machine does not move.
    const [relayCpuMs, dbCpuMs] = [0, 1].map(
      (k) => ((cpu1[k] ?? 0) - (cpu0[k] ?? 0)) * (1000 / options.requests),
    ) as [number, number];
    for (const [k, name] of ["author", "kind", "tag", "ids"].entries()) {
      const f = (i: number) => filterOf(i * 4 + k, options.events, end, span);
      const one = await reqLoad(url, 10, 200, f);
      log(
        `  ${name} alone, 10 concurrent: ${one.reqPerS.toFixed(0)}/s, p50 ${one.p50.toFixed(1)} ms`,
      );
    }
    log(
      `REQ, closed loop: ${req.reqPerS.toFixed(0)}/s, p50 ${req.p50.toFixed(1)} ms, p99 ${req.p99.toFixed(1)} ms, ${req.events} events`,
    );
    const paced = await pacedReqLoad(
      url,
      { connections: CONCURRENCY, rate: options.rate, duration: options.seconds, seed: 1 },
      (i) => filterOf(i, options.events, end, span),
    );
    log(
      `REQ at ${options.rate}/s: p50 ${paced.p50.toFixed(1)} ms, p99 ${paced.p99.toFixed(1)} ms, max ${paced.max.toFixed(0)} ms, ${paced.unanswered} unanswered, ${paced.closed} closed`,
    );
    log(`CPU per REQ: relay ${relayCpuMs.toFixed(2)} ms, PostgreSQL ${dbCpuMs.toFixed(2)} ms`);
    const ours = rows
      .filter((_, i) => i % 100 !== 0)
      .map((r): [number, string] => [Number(r.t), r.id]);
    const neg = await negSession(url, ours);
    log(`NEG at 1 %: ${neg.bytes} bytes, ${neg.rounds} rounds, ${neg.need} needed`);
    const t1 = performance.now();
    const fetched = new Set(await fetchAllIds(url, { limitPerReq: 5000, skipVerification: true }));
    const fetchS = (performance.now() - t1) / 1000;
    const pct = (100 * rows.filter((r) => fetched.has(r.id)).length) / rows.length;
    log(`nostr-fetch: ${fetched.size} of ${rows.length} ids in ${fetchS.toFixed(1)} s`);
    printTable(options, loadS, req, paced, neg, perThousand, pct);
    const result = {
      events: rows.length,
      req_rate: options.rate,
      req_p50_ms: Number(paced.p50.toFixed(2)),
      req_p99_ms: Number(paced.p99.toFixed(2)),
      req_unanswered: paced.unanswered,
      req_per_s: Math.round(req.reqPerS),
      req_p50_ms_saturated: Number(req.p50.toFixed(2)),
      req_p99_ms_saturated: Number(req.p99.toFixed(2)),
      req_cpu_ms_relay: Number(relayCpuMs.toFixed(3)),
      req_cpu_ms_db: Number(dbCpuMs.toFixed(3)),
      neg_bytes_1pct: neg.bytes,
      neg_rounds_1pct: neg.rounds,
      neg_needed_1pct: neg.need,
      rss_mb_per_1000_connections: Number(perThousand.toFixed(1)),
      nostr_fetch_ids_pct: Number(pct.toFixed(3)),
      nostr_fetch_s: Number(fetchS.toFixed(1)),
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    child?.kill("SIGTERM");
    await bench.close();
  }
}

function printTable(
  options: ReturnType<typeof parseArgs>,
  loadS: number,
  req: Awaited<ReturnType<typeof reqLoad>>,
  paced: Awaited<ReturnType<typeof pacedReqLoad>>,
  neg: Awaited<ReturnType<typeof negSession>>,
  rss: number,
  pct: number,
) {
  const lines = [
    `| bench:relay, ${options.events} events (loaded in ${loadS.toFixed(0)} s) | value |`,
    "|---|---|",
    `| REQ to EOSE p50 / p99 (ms) at ${options.rate} REQ/s over ${CONCURRENCY} connections (${paced.sent} REQs; unanswered) | ${paced.p50.toFixed(1)} / ${paced.p99.toFixed(1)} (${paced.unanswered}) |`,
    `| REQ/s, ${CONCURRENCY} clients each sending at the last EOSE (${options.requests} REQs) | ${req.reqPerS.toFixed(0)} |`,
    `| REQ to EOSE p50 / p99 (ms) in that closed loop (its queue) | ${req.p50.toFixed(1)} / ${req.p99.toFixed(1)} |`,
    `| NIP-77 session at 1 % difference: bytes (rounds, ids needed) | ${neg.bytes} (${neg.rounds}, ${neg.need}) |`,
    `| RSS per 1,000 connections with a live subscription (MB) | ${rss.toFixed(1)} |`,
    `| nostr-fetch fetchAllEvents: ids of the archive (%) | ${pct.toFixed(3)} |`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
