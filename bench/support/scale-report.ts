/** bench:scale's output: the machine, tables of each measurement, and `RESULT {json}`. */
import { formatTable } from "../../src/cli/table.js";
import type { Built } from "./scale-build.js";
import type { Measurements, RunContext } from "./scale-run.js";

const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const out = (text: string) => process.stdout.write(`${text}\n`);
const loads = (l: number[]) => l.map((x) => x.toFixed(1)).join(" ");

function header(built: Built, ctx: RunContext, m: Measurements): string {
  const { spec } = built;
  const mc = ctx.machine;
  return [
    `bench:scale ${new Date().toISOString()}: ${spec.events} events, ${spec.relays} relays, ${spec.days} days of hourly checks (seed ${spec.seed})`,
    `${mc.cores} x ${mc.cpu}; node ${mc.node}; PostgreSQL ${mc.postgres}; load average ${loads(mc.loadAtStart)} at the start, ${loads(m.loadAtEnd)} at the end`,
    `PostgreSQL settings: ${Object.entries(mc.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ")}`,
    `archive: ${built.state} (${Math.round(ctx.buildS)} s building or resuming this run)`,
  ].join("\n");
}

function buildTable(m: Measurements): string {
  const { ingest: i, disk: d } = m;
  const w = i.window.toLocaleString("en-US");
  return formatTable(
    ["measure", "value"],
    [
      [`ingest, first ${w} events (events/s)`, round(i.first)],
      [`ingest, last ${w} events (events/s)`, round(i.last)],
      ["ingest, all (events/s, active time)", round(i.overall)],
      ["ingest flat ratio (last / first)", round(i.last / i.first, 2)],
      ["events / sightings / check rows", `${d.events} / ${d.sightings} / ${d.checkRows}`],
      ["bytes per event (event + event_relay)", round((d.eventBytes + d.sightingBytes) / d.events)],
      ["bytes per sighting (event_relay)", round(d.sightingBytes / Math.max(1, d.sightings), 1)],
      ["bytes per check row (relay_metadata + metadata)", round(d.checkBytes / d.checkRows, 1)],
      ["database size (GB)", round(d.databaseBytes / 2 ** 30, 2)],
    ],
  );
}

function viewsTable(m: Measurements): string {
  if (!m.oldFull) return "old statistics views: failed";
  const cycle = new Map(m.oldCycle?.views ?? []);
  const cell = (s: number | undefined, d: number) => (s === undefined ? "-" : round(s, d));
  const rows = m.oldFull.views.map(([name, s]) => [name, round(s, 2), cell(cycle.get(name), 2)]);
  rows.push(["total", round(m.oldFull.seconds, 1), cell(m.oldCycle?.seconds, 1)]);
  return formatTable(
    ["old statistics view", "full refresh s", "refresher cycle s (CONCURRENTLY)"],
    rows,
  );
}

function apiTable(m: Measurements): string {
  const rows = (m.api ?? []).map((r) => [
    r.route,
    r.mode,
    r.reqPerS,
    r.p50,
    r.p99,
    r.errors,
    r.unanswered,
  ]);
  const table = formatTable(
    ["route", "load", "req/s", "p50 ms", "p99 ms", "errors", "unanswered"],
    rows,
  );
  const online = `/v1/online lists ${m.online ?? "?"} relays up now`;
  const missing = m.unmeasured.length > 0 ? `\nnot measured: ${m.unmeasured.join(", ")}` : "";
  return `${online}\n${table}${missing}`;
}

function otherTable(m: Measurements): string {
  const fmt = (n: number | undefined, d = 0) => (n === undefined ? "failed" : round(n, d));
  return formatTable(
    ["measure", "value"],
    [
      ["statistics: full rebuild (s)", fmt(m.statsRebuildS, 1)],
      [
        `statistics: refresher cycle after ${m.stats?.deltaEvents ?? "?"} new events, ${m.stats?.deltaSightings ?? "?"} sightings, ${m.stats?.deltaCheckRows ?? "?"} check rows (s)`,
        fmt(m.stats?.cycleS, 2),
      ],
      [
        "statistics: every one equals its recount",
        m.stats === undefined
          ? "failed"
          : m.stats.mismatched.length === 0
            ? "yes"
            : `NO: ${m.stats.mismatched.join(", ")}`,
      ],
      ["bigbrotr status (s, a child process)", fmt(m.statusS, 2)],
      ["bigbrotr --help (s, the CLI's start alone)", fmt(m.cliStartS, 2)],
      [`export, newest ${m.exported?.count ?? "?"} events (events/s)`, fmt(m.exported?.perSecond)],
      [`export as Parquet, same events (events/s)`, fmt(m.exportedParquet?.perSecond)],
      [`finder scan, ${m.scanned?.count ?? "?"} events (events/s)`, fmt(m.scanned?.perSecond)],
    ],
  );
}

function result(built: Built, m: Measurements): Record<string, unknown> {
  const { ingest: i, disk: d } = m;
  const api: Record<string, number> = {};
  for (const r of m.api ?? []) if (r.mode !== "max") api[`api_p99_ms_${r.route}`] = r.p99;
  const max = (route: string) => m.api?.find((r) => r.route === route)?.reqPerS ?? null;
  const opt = (n: number | undefined, digits = 0) => (n === undefined ? null : round(n, digits));
  return {
    events: built.spec.events,
    relays: built.spec.relays,
    days: built.spec.days,
    archive: built.state,
    ingest_events_per_s_first_1m: round(i.first),
    ingest_events_per_s_last_1m: round(i.last),
    ingest_flat_ratio: round(i.last / i.first, 2),
    ingest_window_events: i.window,
    ingest_events_per_s: round(i.overall),
    bytes_per_event: round((d.eventBytes + d.sightingBytes) / d.events),
    bytes_per_check_row: round(d.checkBytes / d.checkRows, 1),
    old_views_full_refresh_s: opt(m.oldFull?.seconds, 1),
    old_views_cycle_s: opt(m.oldCycle?.seconds, 1),
    stats_full_rebuild_s: opt(m.statsRebuildS, 1),
    stats_cycle_s_after_100k: opt(m.stats?.cycleS, 2),
    stats_cycle_new_events: m.stats?.deltaEvents ?? null,
    stats_cycle_new_sightings: m.stats?.deltaSightings ?? null,
    stats_cycle_new_check_rows: m.stats?.deltaCheckRows ?? null,
    stats_exact: m.stats === undefined ? null : m.stats.mismatched.length === 0,
    online_relays: m.online ?? null,
    ...api,
    online_req_per_s: max("online_max"),
    health_req_per_s: max("health"),
    api_errors: (m.api ?? []).reduce((n, r) => n + r.errors, 0),
    status_s: opt(m.statusS, 2),
    export_events_per_s: opt(m.exported?.perSecond),
    export_parquet_events_per_s: opt(m.exportedParquet?.perSecond),
    finder_events_scanned_per_s: opt(m.scanned?.perSecond),
    failures: m.failures.length,
  };
}

export function printReport(built: Built, ctx: RunContext, m: Measurements): void {
  out(`\n${header(built, ctx, m)}\n`);
  for (const table of [buildTable(m), viewsTable(m), apiTable(m), otherTable(m)]) out(`${table}\n`);
  for (const f of m.failures) out(`FAILED ${f}`);
  out(`RESULT ${JSON.stringify(result(built, m))}`);
}
