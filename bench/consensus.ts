/**
 * `npm run bench:consensus [-- --relays 10000 --monitors 20 --rounds 2 --duration 5]` (or
 * `--smoke`: 500 relays, 5 monitors): other monitors' NIP-66 events for `relays` relays from
 * `monitors` monitors, `rounds` hourly rounds of one 30166 per relay and monitor, archived in a
 * private embedded PostgreSQL; then the monitor's peers phase (ingest with the cursor, scores,
 * consensus) is timed per round: `verdicts_per_s` must keep well above relays × monitors / 3600
 * (56 a second at 10,000 × 20). Then the API in its own process: p50/p99 at 50 requests a
 * second (open-loop Poisson arrivals, api-load.ts) of /v1/relays?consensus=up and of
 * /v1/relays/{url}/monitors (random relays), the latter also under autocannon's per-second
 * bursts (the harness before, `relay_monitors_burst_p99_ms`) for comparison.
 * Events carry fake signatures: the archive is filled directly (the synchronizer verifies
 * signatures before archiving; that cost is bench:verify's).
 */

import type { ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { parseConfig } from "../src/core/config/load.js";
import { brotrConfigSchema } from "../src/core/config/schemas.js";
import { insertEvents } from "../src/core/db/events.js";
import { insertRelays } from "../src/core/db/relays.js";
import { createDbOutage } from "../src/core/db-outage.js";
import { createLogger } from "../src/core/logger.js";
import { createRegistry, createServiceMetrics } from "../src/core/metrics.js";
import type { ServiceContext } from "../src/core/service.js";
import { loadNostrWasm } from "../src/devnet/crypto.js";
import { type FakeUser, makeUserWith } from "../src/devnet/fake-user.js";
import type { NostrEvent } from "../src/models/event-types.js";
import { monitorConfigSchema } from "../src/services/monitor/config.js";
import { runPeersPhase } from "../src/services/monitor/peers/phase.js";
import { type Measured, measure, startApiHost } from "./support/api-load.js";
import { startBenchServer } from "./support/server.js";

interface Options {
  relays: number;
  monitors: number;
  rounds: number;
  duration: number;
}

function parseArgs(argv: string[]): Options {
  const smoke = argv.includes("--smoke");
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  return {
    relays: value("--relays", smoke ? 500 : 10_000),
    monitors: value("--monitors", smoke ? 5 : 20),
    rounds: value("--rounds", 2),
    duration: value("--duration", smoke ? 2 : 5),
  };
}

const FAKE_SIG = "ab".repeat(64);
const url = (i: number) => `wss://relay${i}.bench.example.com`;

/** One hourly round: every monitor's 30166 on every relay (each relay up for 9 monitors in 10). */
function round(users: FakeUser[], o: Options, at: number): NostrEvent[] {
  const events: NostrEvent[] = [];
  users.forEach((user, m) => {
    for (let r = 0; r < o.relays; r++) {
      if ((r + m) % 10 === 0) continue;
      const tags = [
        ["d", url(r)],
        ["rtt-open", String(50 + ((r * 7 + m) % 200))],
        ["n", "clearnet"],
        ["N", "1"],
      ];
      events.push(user.withFakeSig({ kind: 30166, created_at: at, content: "", tags }, FAKE_SIG));
    }
  });
  return events;
}

function announcements(users: FakeUser[], at: number): NostrEvent[] {
  const tags = [
    ["frequency", "3600"],
    ["c", "open"],
  ];
  return users.map((u) =>
    u.withFakeSig({ kind: 10166, created_at: at, content: "", tags }, FAKE_SIG),
  );
}

function context(pool: pg.Pool, now: number): ServiceContext {
  const log = createLogger({ level: "warn", format: "json", destination: process.stderr });
  return {
    db: pool,
    log,
    metrics: createServiceMetrics(createRegistry(), "monitor"),
    signal: new AbortController().signal,
    now: () => now,
    outage: createDbOutage(log),
  };
}

async function archive(pool: pg.Pool, events: NostrEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 50_000) {
    await insertEvents(pool, events.slice(i, i + 50_000), { profile: "bigbrotr" });
  }
}

interface Round {
  verdicts: number;
  seconds: number;
}

async function ingestRounds(pool: pg.Pool, o: Options, log: (s: string) => void): Promise<Round[]> {
  const wasm = await loadNostrWasm();
  const users = Array.from({ length: o.monitors }, (_, i) =>
    makeUserWith(wasm, `bench-monitor-${i}`),
  );
  const brotr = parseConfig(brotrConfigSchema, {}, "brotr.yaml");
  const config = parseConfig(monitorConfigSchema, { peers: { max_rechecks: 0 } }, "bench");
  const start = Math.floor(Date.now() / 1000) - o.rounds * 3600;
  await archive(pool, announcements(users, start));
  const rounds: Round[] = [];
  for (let k = 0; k < o.rounds; k++) {
    const at = start + k * 3600;
    await archive(pool, round(users, o, at));
    const t0 = performance.now();
    const report = await runPeersPhase({ brotr }, config, context(pool, at + 600));
    const seconds = (performance.now() - t0) / 1000;
    rounds.push({ verdicts: report.peer_verdicts, seconds });
    log(`round ${k + 1}: ${report.peer_verdicts} verdicts in ${seconds.toFixed(1)} s`);
  }
  return rounds;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const bench = await startBenchServer();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  let child: ChildProcess | undefined;
  try {
    const pool = await bench.freshDatabase("bigbrotr", 16, 4);
    const relays = Array.from({ length: o.relays }, (_, i) => url(i));
    await insertRelays(
      pool,
      relays.map((u) => ({ url: u, network: "clearnet" as const, discoveredAt: 1 })),
    );
    const rounds = await ingestRounds(pool, o, log);
    const host = await startApiHost(bench.databaseUrl);
    child = host.child;
    await fetch(`${host.base}/v1/relays?limit=1`);
    const fixed = { duration: o.duration, rate: 50 };
    const pick = () =>
      encodeURIComponent(relays[Math.floor(Math.random() * relays.length)] as string);
    const rows = [
      await measure(
        host.base,
        "relays?consensus=up",
        () => "/v1/relays?consensus=up&limit=100",
        fixed,
      ),
      await measure(
        host.base,
        "relays/{url}/monitors",
        () => `/v1/relays/${pick()}/monitors`,
        fixed,
      ),
      await measure(host.base, "relays/{url}/monitors", () => `/v1/relays/${pick()}/monitors`, {
        ...fixed,
        burst: true,
      }),
    ];
    report(o, rounds, rows, bench.version);
  } finally {
    child?.kill("SIGTERM");
    await bench.close();
  }
}

function report(o: Options, rounds: Round[], rows: Measured[], version: string): void {
  const cpu = cpus();
  process.stdout.write(
    `\nbench:consensus: ${o.relays} relays x ${o.monitors} monitors, ${o.rounds} hourly rounds; PostgreSQL ${version}; ${cpu.length} x ${cpu[0]?.model ?? "cpu"}\n\n`,
  );
  const lines = [
    ...rounds.map((r, i) => [
      `peers phase, round ${i + 1}`,
      `${r.verdicts} verdicts`,
      `${r.seconds.toFixed(2)} s`,
      `${Math.round(r.verdicts / r.seconds)} verdicts/s`,
    ]),
    ...rows.map((r) => [
      r.route,
      r.mode,
      `p50 ${r.p50} ms`,
      `p99 ${r.p99} ms`,
      `${r.errors} errors`,
      `${r.unanswered} unanswered`,
    ]),
  ];
  for (const l of lines) process.stdout.write(`${l.join("  ")}\n`);
  const verdicts = rounds.reduce((n, r) => n + r.verdicts, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const result = {
    relays: o.relays,
    monitors: o.monitors,
    verdicts_per_s: Math.round(verdicts / seconds),
    hourly_rate_per_s: Math.ceil((o.relays * o.monitors) / 3600),
    consensus_p99_ms: Math.max(...rows.slice(0, 2).map((r) => r.p99)),
    relays_consensus_p99_ms: rows[0]?.p99 ?? null,
    relay_monitors_p99_ms: rows[1]?.p99 ?? null,
    relay_monitors_burst_p99_ms: rows[2]?.p99 ?? null,
    errors: rows.reduce((n, r) => n + r.errors, 0),
  };
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
}

await main();
