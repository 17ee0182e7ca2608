/**
 * `npm run bench:api [-- --relays 1000 --days 30 --events 1000000 --duration 10]`: the read
 * API on loopback against a private embedded PostgreSQL holding `relays` relays with `days`
 * days of hourly monitor history and `events` events (support/api-data.ts). The API runs in
 * its own process with its shipped defaults (rate limit off: one client makes all the load).
 * autocannon measures as many requests a second as 50 connections get for /v1/online,
 * /v1/relays and, as the framework's ceiling in the same run, /health; then p50/p99 latency
 * at a fixed 200 requests a second (open-loop Poisson arrivals, support/paced-load.ts) of a
 * relay's history and of events by author, kind and tag (each request a different random
 * relay, author, kind or topic).
 */
import type { ChildProcess } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { refreshStatistics } from "../src/core/db/statistics/refresh.js";
import { AUTHORS, fillBenchDatabase, KINDS, TOPICS } from "./support/api-data.js";
import { type Measured, measure, startApiHost } from "./support/api-load.js";
import { startBenchServer } from "./support/server.js";

interface Options {
  relays: number;
  days: number;
  events: number;
  duration: number;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  return {
    relays: value("--relays", 1000),
    days: value("--days", 30),
    events: value("--events", 1_000_000),
    duration: value("--duration", 10),
  };
}

const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)] as T;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const bench = await startBenchServer();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  let child: ChildProcess | undefined;
  try {
    const pool = await bench.freshDatabase("bigbrotr", 16, 2);
    const end = Math.floor(Date.now() / 1000) - 60;
    const loadStart = performance.now();
    await fillBenchDatabase(pool, { ...options, end }, log);
    await refreshStatistics(pool);
    const loadS = (performance.now() - loadStart) / 1000;
    const relays = (await pool.query<{ url: string }>("SELECT url FROM relay")).rows.map(
      (r) => r.url,
    );
    const authors = (
      await pool.query<{ pk: string }>(
        `SELECT encode(sha256(convert_to('p' || i, 'UTF8')), 'hex') AS pk FROM generate_series(0, $1 - 1) i`,
        [AUTHORS],
      )
    ).rows.map((r) => r.pk);
    const dbUrl = new URL(bench.server.adminUrl);
    dbUrl.pathname = "/bench";
    const host = await startApiHost(dbUrl.toString());
    child = host.child;
    const base = host.base;
    // Warm the relay snapshot and the caches once.
    await fetch(`${base}/v1/relays`);
    const d = options.duration;
    const rows: Measured[] = [];
    rows.push(await measure(base, "health", () => "/health", { duration: d }));
    rows.push(await measure(base, "online", () => "/v1/online", { duration: d }));
    rows.push(
      await measure(base, "relays", () => "/v1/relays?limit=50&sort=uptime", { duration: d }),
    );
    const enc = encodeURIComponent;
    const fixed = { duration: d, rate: 200 };
    rows.push(
      await measure(base, "history", () => `/v1/relays/${enc(pick(relays))}/history`, fixed),
    );
    rows.push(
      await measure(base, "events_by_author", () => `/v1/events?authors=${pick(authors)}`, fixed),
    );
    rows.push(
      await measure(base, "events_by_kind", () => `/v1/events?kinds=${pick(KINDS)}`, fixed),
    );
    rows.push(
      await measure(
        base,
        "events_by_tag",
        () => `/v1/events?%23t=topic${Math.floor(Math.random() * TOPICS)}`,
        fixed,
      ),
    );
    printTable(rows, options, loadS, bench.version);
  } finally {
    child?.kill("SIGTERM");
    await bench.close();
  }
}

function printTable(rows: Measured[], o: Options, loadS: number, version: string) {
  const cpu = cpus();
  process.stdout.write(
    `\nbench:api: ${o.relays} relays, ${o.days} days of hourly history, ${o.events} events; PostgreSQL ${version}; ${cpu.length} x ${cpu[0]?.model ?? "cpu"}; data generated in ${loadS.toFixed(0)} s; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}\n\n`,
  );
  const header = ["route", "load", "req/s", "p50 ms", "p99 ms", "errors", "unanswered"];
  const lines = rows.map((r) => [
    r.route,
    r.mode,
    String(r.reqPerS),
    String(r.p50),
    String(r.p99),
    String(r.errors),
    String(r.unanswered),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (l[i] as string).length)),
  );
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ");
  process.stdout.write(`${fmt(header)}\n${lines.map(fmt).join("\n")}\n\n`);
  const by = (route: string) => rows.find((r) => r.route === route) as Measured;
  const result: Record<string, number> = {
    health_req_per_s: by("health").reqPerS,
    online_req_per_s: by("online").reqPerS,
    relays_req_per_s: by("relays").reqPerS,
  };
  for (const route of ["history", "events_by_author", "events_by_kind", "events_by_tag"]) {
    result[`${route}_p50_ms`] = by(route).p50;
    result[`${route}_p99_ms`] = by(route).p99;
  }
  result.errors = rows.reduce((n, r) => n + r.errors, 0);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

await main();
