/**
 * `npm run bench:stream [-- --streams 1000 --changes 5]`: GET /v1/stream holding `streams`
 * open Server-Sent Events connections. The API runs in its own process (api-host.ts, stream
 * caps raised to fit, rate limit off) on a private embedded PostgreSQL; this process opens the
 * streams, then stores `changes` changes one at a time and times each one's arrival on every
 * stream from its commit. extra_rss_mb: the API process's RSS with every stream open and the
 * changes delivered, less its RSS before the first stream (after one warm-up request);
 * delivery_p99_ms: the 99th percentile over every (stream, change) of commit → received.
 */
import { readFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { insertChanges } from "../src/core/db/relay-changes.js";
import { insertRelays } from "../src/core/db/relays.js";
import { openSse, type SseClient } from "../test/support/sse.js";
import { argValue } from "./support/args.js";
import { startJsonChild } from "./support/child.js";
import { startBenchServer } from "./support/server.js";

const argv = process.argv.slice(2);
const STREAMS = Number(argValue(argv, "--streams") ?? 1000);
const CHANGES = Number(argValue(argv, "--changes") ?? 5);
const RELAY = "wss://bench.nostr1.com";

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** Arrival times of each change id on every stream, and who waits for a change to be everywhere. */
class Arrivals {
  #id = -1;
  #left = 0;
  #done: () => void = () => {};

  /** Resolves when `id` reached all `streams`. */
  expect(id: number, streams: number, seen: number): Promise<void> {
    this.#id = id;
    this.#left = streams - seen;
    return new Promise((resolve) => {
      this.#done = resolve;
      if (this.#left === 0) resolve();
    });
  }

  arrived(id: number): void {
    if (id === this.#id && --this.#left === 0) this.#done();
  }
}

const waiting = new Arrivals();

/** Opens `n` streams, 100 at a time; each reports each change's arrival. */
async function openStreams(base: string, n: number, arrivals: Map<number, number[]>) {
  const clients: SseClient[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, () => openSse(`${base}/v1/stream`)),
    );
    for (const c of batch) {
      if (c.status !== 200) throw new Error(`a stream was refused: ${c.status}`);
      c.onEvent = (e) => {
        if (e.event !== "change") return;
        const at = performance.now();
        const id = Number(e.id);
        const list = arrivals.get(id) ?? [];
        list.push(at);
        arrivals.set(id, list);
        waiting.arrived(id);
      };
      clients.push(c);
    }
  }
  return clients;
}

async function main() {
  const bench = await startBenchServer();
  let child: Awaited<ReturnType<typeof startJsonChild>>["child"] | undefined;
  const clients: SseClient[] = [];
  try {
    const pool = await bench.freshDatabase("bigbrotr", 2, 2);
    await insertRelays(pool, [{ url: RELAY, network: "clearnet", discoveredAt: 1 }]);
    const room = STREAMS + 10;
    const config = {
      rate_limit: { enabled: false },
      server: { port: 0 },
      stream: { max_streams: room, per_client: { anonymous: room, keyed: room } },
    };
    const host = await startJsonChild<{ url: string }>("api-host.ts", {
      url: bench.databaseUrl,
      pool: 4,
      config,
    });
    child = host.child;
    const base = host.value.url.replace(/\/$/, "");
    await fetch(`${base}/health`).then((r) => r.text());
    const before = await rssMb(child.pid as number);
    const arrivals = new Map<number, number[]>();
    const openStart = performance.now();
    clients.push(...(await openStreams(base, STREAMS, arrivals)));
    const openS = (performance.now() - openStart) / 1000;
    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const change = { relayUrl: RELAY, kind: "down" as const, checkedAt: 100 + i, evidence: {} };
      await insertChanges(pool, [change], 0);
      const committed = performance.now();
      const id = Number((await pool.query("SELECT max(id) AS id FROM relay_change")).rows[0].id);
      await waiting.expect(id, STREAMS, arrivals.get(id)?.length ?? 0);
      for (const at of arrivals.get(id) ?? []) latencies.push(at - committed);
    }
    const during = await rssMb(child.pid as number);
    latencies.sort((a, b) => a - b);
    report({
      openS,
      before,
      during,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
      version: bench.version,
    });
  } finally {
    for (const c of clients) c.close();
    child?.kill("SIGTERM");
    await bench.close();
  }
}

function report(r: {
  openS: number;
  before: number;
  during: number;
  p50: number;
  p99: number;
  max: number;
  version: string;
}) {
  const cpu = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  const extra = r.during - r.before;
  process.stdout.write(
    `\nbench:stream: ${STREAMS} open streams, ${CHANGES} changes; PostgreSQL ${r.version}; ${cpu.length} x ${cpu[0]?.model ?? "cpu"}; load average ${load}\n\n` +
      `  streams opened in        ${r.openS.toFixed(1)} s\n` +
      `  API RSS before / with    ${r.before.toFixed(0)} / ${r.during.toFixed(0)} MB (extra ${extra.toFixed(1)} MB, target < 100)\n` +
      `  delivery p50 / p99 / max ${r.p50.toFixed(0)} / ${r.p99.toFixed(0)} / ${r.max.toFixed(0)} ms (p99 target < 1000)\n\n`,
  );
  const result = {
    streams: STREAMS,
    changes: CHANGES,
    extra_rss_mb: Math.round(extra * 10) / 10,
    delivery_p50_ms: Math.round(r.p50),
    delivery_p99_ms: Math.round(r.p99),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

await main();
