/**
 * `npm run bench:negentropy [-- --events 100000 --missing-every 100 --no-first-fill]`: one
 * fake relay holding `events` signed events, speaking NIP-77 (@nostr-dev-kit/sync as
 * responder, in a child process: support/relay-host.ts), and an archive holding all of them
 * as seen on it but every `missing-every`-th by time (1 %, scattered). In one run, each in a
 * fresh bigbrotr database on a private embedded PostgreSQL, one synchronizer cycle over the
 * whole range (no cursor): by REQ windows (negentropy off), by negentropy, then negentropy
 * again with everything held (in sync); and, unless --no-first-fill, the first fill of an
 * empty archive both ways. Bytes are WebSocket payload bytes counted by the relay client.
 */

import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import type pg from "pg";
import pino from "pino";
import { parseConfig } from "../src/core/config/load.js";
import { brotrConfigSchema } from "../src/core/config/schemas.js";
import type { ArchiveItem } from "../src/core/db/archive.js";
import { insertRelays } from "../src/core/db/relays.js";
import { createDbOutage } from "../src/core/db-outage.js";
import { createRegistry, createServiceMetrics } from "../src/core/metrics.js";
import { runOnce, type ServiceContext } from "../src/core/service.js";
import type { NostrEvent } from "../src/models/event-types.js";
import { synchronizerConfigSchema } from "../src/services/synchronizer/config.js";
import { createSynchronizer } from "../src/services/synchronizer/service.js";
import { archiveLoop } from "./support/archive-loop.js";
import { argValue } from "./support/args.js";
import { loadSignedEvents } from "./support/event-cache.js";
import { startRelayHost } from "./support/relay-host-process.js";
import { type BenchServer, startBenchServer } from "./support/server.js";

const PARTITIONS = 16;
const MAX_LIMIT = 500;
const SYNC_CONNECTIONS = 4;

interface Options {
  events: number;
  missingEvery: number;
  firstFill: boolean;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => argValue(argv, name);
  return {
    events: Number(value("--events") ?? 100_000),
    missingEvery: Number(value("--missing-every") ?? 100),
    firstFill: !argv.includes("--no-first-fill"),
  };
}

interface Run {
  name: string;
  received: number;
  sent: number;
  /** NIP-77 messages answered, and REQs (windows, or fetches by id). */
  negRounds: number;
  requests: number;
  seconds: number;
  stored: number;
  /** Ids archived as seen on the relay, against its set. */
  complete: boolean;
  path: string;
}

/** A fresh database knowing the relay, holding `held` as seen on it. */
async function seeded(bench: BenchServer, url: string, held: readonly NostrEvent[]) {
  const pool = await bench.freshDatabase("bigbrotr", PARTITIONS, SYNC_CONNECTIONS);
  await insertRelays(pool, [{ url, network: "clearnet", discoveredAt: 1 }]);
  const seenAt = Math.floor(Date.now() / 1000);
  const items: ArchiveItem[] = held.map((event) => ({
    event,
    relayUrl: url,
    network: "clearnet",
    seenAt,
  }));
  await archiveLoop(pool, items, {
    profile: "bigbrotr",
    batch: 10_000,
    archivers: 2,
    asyncCommit: true,
  });
  return pool;
}

async function archivedIds(pool: pg.Pool, url: string): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT encode(er.event_id, 'hex') AS id FROM event_relay er JOIN relay r ON r.id = er.relay_id
     WHERE r.url = $1`,
    [url],
  );
  return new Set(rows.map((r) => r.id));
}

/** One synchronizer cycle on `url` (the whole range: no cursor); checks the archive after. */
async function cycle(
  name: string,
  pool: pg.Pool,
  url: string,
  truth: ReadonlySet<string>,
  negentropy: Record<string, unknown>,
): Promise<Run> {
  const brotr = parseConfig(brotrConfigSchema, { allow_private: true }, "bench");
  const config = parseConfig(
    synchronizerConfigSchema,
    { processing: { require_readable: false, end_lag: 0, lookback: 0, negentropy } },
    "bench",
  );
  const log = pino({ level: "silent" });
  const ctx: ServiceContext = {
    db: pool,
    log,
    metrics: createServiceMetrics(createRegistry(), "synchronizer"),
    signal: new AbortController().signal,
    now: () => Math.floor(Date.now() / 1000),
    outage: createDbOutage(log),
  };
  await pool.query("DELETE FROM service_state WHERE service_name = 'synchronizer'");
  const service = createSynchronizer({ brotr }, config, { relayUrl: url });
  try {
    const t0 = performance.now();
    const outcome = await runOnce(service, ctx);
    const seconds = (performance.now() - t0) / 1000;
    if (!outcome.ok) throw outcome.error ?? new Error("cycle failed");
    const r = outcome.report ?? {};
    const got = await archivedIds(pool, url);
    const { rows } = await pool.query(
      "SELECT state_value -> 'sync_path' AS p FROM service_state WHERE state_key = $1",
      [url],
    );
    return {
      name,
      received: Number(r.bytes_received ?? 0),
      sent: Number(r.bytes_sent ?? 0),
      negRounds: Number(r.neg_rounds ?? 0),
      requests: Number(r.requests ?? 0),
      seconds,
      stored: Number(r.stored ?? 0),
      complete: got.size === truth.size && [...truth].every((id) => got.has(id)),
      path: rows[0]?.p ? `${rows[0].p.path} (${rows[0].p.reason})` : "?",
    };
  } finally {
    await service.close?.();
  }
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
const num = (n: number, d = 0) => Number(n.toFixed(d));
const trips = (r: Run) => r.negRounds + r.requests;

function row(r: Run): string {
  const how =
    r.negRounds > 0 ? `${r.negRounds} NEG + ${r.requests} REQ by id` : `${r.requests} REQ`;
  return `| ${r.name} | ${r.path} | ${mb(r.received)} | ${mb(r.sent)} | ${mb(r.received + r.sent)} | ${trips(r)} (${how}) | ${r.seconds.toFixed(2)} | ${r.stored} | ${r.complete ? "yes" : "NO"} |`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  console.log(`# bench:negentropy ${new Date().toISOString()}`);
  const t0 = performance.now();
  const { hosted, child } = await startRelayHost({
    events: options.events,
    relays: 1,
    copies: 1,
    big: 0,
    maxLimit: MAX_LIMIT,
    negentropy: true,
  });
  const bench = await startBenchServer();
  try {
    const url = hosted.all.url;
    const events = (await loadSignedEvents(options.events)).sort(
      (a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1),
    );
    const truth = new Set(events.map((e) => e.id));
    const held = events.filter((_, i) => i % options.missingEvery !== 0);
    console.log(`nproc ${cpus().length}, node ${process.version}, PostgreSQL ${bench.version}`);
    console.log(
      `relay: ${hosted.all.count} signed events (max_limit ${MAX_LIMIT}, NIP-77 by @nostr-dev-kit/sync), ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; archive holding ${held.length} of them as seen on it (${events.length - held.length} missing: every ${options.missingEvery}th by created_at)`,
    );
    const header = [
      "| run | path | received MB | sent MB | total MB | round trips | seconds | stored | archive = relay |",
      "|---|---|---:|---:|---:|---|---:|---:|---|",
    ];
    console.log(header.join("\n"));
    const runs: Run[] = [];
    const add = (r: Run) => {
      runs.push(r);
      console.log(row(r));
      return r;
    };
    const req = add(
      await cycle("REQ windows re-sync", await seeded(bench, url, held), url, truth, {
        enabled: false,
      }),
    );
    const negPool = await seeded(bench, url, held);
    const neg = add(await cycle("negentropy re-sync", negPool, url, truth, {}));
    const inSync = add(await cycle("negentropy, in sync", negPool, url, truth, {}));
    let fillReq: Run | null = null;
    let fillNeg: Run | null = null;
    if (options.firstFill) {
      const empty = () => seeded(bench, url, []);
      fillReq = add(await cycle("first fill, REQ windows", await empty(), url, truth, {}));
      fillNeg = add(
        await cycle("first fill, negentropy", await empty(), url, truth, {
          first_fill: "negentropy",
        }),
      );
    }
    const reqBytes = req.received + req.sent;
    const negBytes = neg.received + neg.sent;
    console.log("");
    console.log([...header, ...runs.map(row)].join("\n"));
    console.log("");
    console.log(
      `negentropy re-sync: ${((100 * negBytes) / reqBytes).toFixed(2)} % of the REQ re-sync's bytes, ${(req.seconds / neg.seconds).toFixed(1)}× faster; in sync: ${trips(inSync)} round trip(s), ${inSync.received + inSync.sent} bytes`,
    );
    const result = {
      req_bytes: reqBytes,
      neg_bytes: negBytes,
      bytes_ratio: num(negBytes / reqBytes, 4),
      req_seconds: num(req.seconds, 2),
      neg_seconds: num(neg.seconds, 2),
      req_round_trips: trips(req),
      neg_round_trips: trips(neg),
      in_sync_round_trips: trips(inSync),
      in_sync_bytes: inSync.received + inSync.sent,
      complete: runs.every((r) => r.complete),
      first_fill_req_bytes: fillReq ? fillReq.received + fillReq.sent : null,
      first_fill_neg_bytes: fillNeg ? fillNeg.received + fillNeg.sent : null,
      first_fill_req_seconds: fillReq ? num(fillReq.seconds, 2) : null,
      first_fill_neg_seconds: fillNeg ? num(fillNeg.seconds, 2) : null,
    };
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    await bench.close();
    child.stdin?.end();
    child.kill("SIGTERM");
  }
}

await main();
