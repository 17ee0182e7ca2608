import { performance } from "node:perf_hooks";
import { insertEventRelays } from "../../src/core/db/event-relays.js";
import { insertEvents } from "../../src/core/db/events.js";
import { insertRelays } from "../../src/core/db/relays.js";
import { generateEvents } from "../../src/devnet/event-factory.js";
import type { NostrEvent } from "../../src/models/event-types.js";
import { ownCpuSeconds, serverCpuSeconds } from "./cpu.js";
import type { BenchServer } from "./server.js";

const SIZES = [10, 100, 250, 500, 1000, 2500, 5000];
const TOTAL = 20_000;
const PATHS = [Number.POSITIVE_INFINITY, 0];

interface Rate {
  perSecond: number;
  perCpuSecond: number;
}

async function timed(bench: BenchServer, rows: number, work: () => Promise<void>): Promise<Rate> {
  const cpu0 = ownCpuSeconds() + (await serverCpuSeconds(bench.postmasterPid));
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  const cpu = ownCpuSeconds() + (await serverCpuSeconds(bench.postmasterPid)) - cpu0;
  return { perSecond: Math.round(rows / seconds), perCpuSecond: Math.round(rows / cpu) };
}

async function eventsRate(
  bench: BenchServer,
  events: NostrEvent[],
  size: number,
  copyThreshold: number,
) {
  const pool = await bench.freshDatabase("bigbrotr", 16);
  return timed(bench, events.length, async () => {
    for (let i = 0; i < events.length; i += size) {
      await insertEvents(pool, events.slice(i, i + size), { profile: "bigbrotr", copyThreshold });
    }
  });
}

async function sightingsRate(
  bench: BenchServer,
  events: NostrEvent[],
  size: number,
  copyThreshold: number,
) {
  const pool = await bench.freshDatabase("lilbrotr", 16);
  await insertEvents(pool, events, { profile: "lilbrotr" });
  const urls = ["wss://a.bench.example", "wss://b.bench.example"];
  await insertRelays(
    pool,
    urls.map((url) => ({ url, network: "clearnet", discoveredAt: 1 })),
  );
  const rows = events.flatMap((e) =>
    urls.map((relayUrl) => ({ eventId: e.id, relayUrl, seenAt: 2 })),
  );
  return timed(bench, rows.length, async () => {
    for (let i = 0; i < rows.length; i += size) {
      await insertEventRelays(pool, rows.slice(i, i + size), { copyThreshold });
    }
  });
}

const show = (r: Rate) => `${r.perSecond} (${r.perCpuSecond})`;

/**
 * Rows/s (and rows per CPU-second of node + server) of insertEvents and insertEventRelays
 * through unnest and through COPY, per batch size, each batch its own transaction.
 */
export async function measureThreshold(bench: BenchServer): Promise<void> {
  const events = await generateEvents({ count: TOTAL, seed: 3, sign: false, users: 500 });
  console.log("rows/s (rows per CPU-second); each batch is one autocommit call");
  console.log("| batch | events unnest | events COPY | event_relay unnest | event_relay COPY |");
  console.log("|---|---|---|---|---|");
  for (const size of SIZES) {
    const cells: string[] = [];
    for (const path of PATHS) cells.push(show(await eventsRate(bench, events, size, path)));
    for (const path of PATHS) cells.push(show(await sightingsRate(bench, events, size, path)));
    console.log(`| ${size} | ${cells.join(" | ")} |`);
  }
}
