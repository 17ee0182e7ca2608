/**
 * Signature verification throughput: `npm run bench:verify` (tsx bench/verify.ts).
 * Options: --events N (default 20000), --runs R (default 3; median and best are shown).
 * Generates realistic signed events with nostr-wasm, re-parses them from JSON, then times
 * the id hash, each backend inline, the pool with 1 and N threads, the cached path, the
 * worker transfer formats and small-batch latency. No network.
 */
import { availableParallelism, cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { initNostrWasm } from "nostr-wasm";
import { hasValidId } from "../src/models/event.js";
import type { NostrEvent } from "../src/models/event-types.js";
import { type BackendName, loadBackend } from "../src/utils/verify/backend.js";
import { createVerifier, type VerifierOptions } from "../src/utils/verify/pool.js";

const { values } = parseArgs({
  options: { events: { type: "string", default: "20000" }, runs: { type: "string", default: "3" } },
});
const N = Number(values.events);
const RUNS = Number(values.runs);
const CORES = availableParallelism();

const WORDS = ["gm", "nostr", "relay", "zap", "bitcoin", "café", "naïve", "🎉", "🚀", "🤙", "💜"];
const CJK = ["日本語", "中文内容", "한국어", "テスト", "こんにちは世界"];

function content(i: number): string {
  const words = i % 50 === 0 ? 2000 : i % 7 === 0 ? 150 : 3 + (i % 30); // some long-form posts
  const out: string[] = [];
  for (let w = 0; w < words; w++)
    out.push(
      w % 9 === 4 ? (CJK[w % CJK.length] as string) : (WORDS[(i + w) % WORDS.length] as string),
    );
  return out.join(" ");
}

function tags(i: number, pubkeys: string[]): string[][] {
  if (i % 97 === 0) return pubkeys.slice(0, 300).map((p) => ["p", p]); // contact list
  const t: string[][] = [];
  for (let k = 0; k < i % 6; k++)
    t.push(["e", pubkeys[(i + k) % pubkeys.length] as string, "wss://relay.example.com", "reply"]);
  if (i % 4 === 0) t.push(["t", "nostr"], ["client", "bigbrotr-bench"]);
  return t;
}

/** Signs `n` events from 200 authors and returns them re-parsed from JSON. */
async function makeEvents(n: number): Promise<NostrEvent[]> {
  const nw = await initNostrWasm();
  const keys = Array.from({ length: 200 }, () => nw.generateSecretKey());
  const pubkeys = keys.map((k) => Buffer.from(nw.getPublicKey(k)).toString("hex"));
  const kinds = [1, 1, 1, 7, 6, 0, 3, 30023, 1984, 9735];
  const events: NostrEvent[] = [];
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length] as number;
    const ev = {
      kind,
      created_at: 1_700_000_000 + i * 13,
      tags: tags(i, pubkeys),
      content: content(i),
      id: "",
      pubkey: "",
      sig: "",
    };
    nw.finalizeEvent(ev, keys[i % keys.length] as Uint8Array);
    events.push(ev);
  }
  return JSON.parse(JSON.stringify(events)) as NostrEvent[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

interface Rate {
  median: number;
  best: number;
}

/** Runs `fn` RUNS times after one warm-up; rates in items/s. */
async function rate(items: number, fn: () => unknown): Promise<Rate> {
  await fn();
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await fn();
    rates.push((items * 1000) / (performance.now() - t0));
  }
  return { median: median(rates), best: Math.max(...rates) };
}

interface Row {
  measurement: string;
  backend: string;
  threads: number | string;
  "median /s": number;
  "best /s": number;
}
const rows: Row[] = [];
function record(measurement: string, backend: string, threads: number | string, r: Rate): void {
  const [med, best] = [Math.round(r.median), Math.round(r.best)];
  rows.push({ measurement, backend, threads, "median /s": med, "best /s": best });
  console.log(`  ${measurement} [${backend}, ${threads}]: median ${med}/s, best ${best}/s`);
}

async function availableBackends(): Promise<BackendName[]> {
  const native = await loadBackend("native").then(
    () => true,
    () => false,
  );
  return native ? ["native", "wasm"] : ["wasm"];
}

/** verifyEvents over all events with a fresh, empty cache per run, in calls of `batch`. */
async function poolRate(events: NostrEvent[], opts: VerifierOptions, batch: number): Promise<Rate> {
  const warm = await createVerifier({ ...opts, cacheSize: 0 });
  const r = await rate(events.length, async () => {
    for (let i = 0; i < events.length; i += batch)
      await warm.verifyEvents(events.slice(i, i + batch));
  });
  await warm.close();
  return r;
}

async function benchBackend(events: NostrEvent[], name: BackendName): Promise<void> {
  const backend = await loadBackend(name);
  record(
    "signature only, inline",
    name,
    "main",
    await rate(events.length, () => {
      for (const ev of events) backend.verify(ev.id, ev.pubkey, ev.sig);
    }),
  );
  record(
    "verifyEvents inline (id + sig)",
    name,
    0,
    await poolRate(events, { backend: name, threads: 0 }, 1000),
  );
  for (const threads of [...new Set([1, CORES])]) {
    record(
      "verifyEvents pool, calls of 1000",
      name,
      threads,
      await poolRate(events, { backend: name, threads }, 1000),
    );
    record(
      "verifyEvents pool, one call",
      name,
      threads,
      await poolRate(events, { backend: name, threads }, events.length),
    );
  }
}

async function benchCached(events: NostrEvent[]): Promise<void> {
  const v = await createVerifier({ threads: 0, cacheSize: events.length });
  v.markVerified(events);
  record(
    "cached copies (id hash + LRU hit)",
    v.backend,
    0,
    await rate(events.length, () => v.verifyEvents(events)),
  );
  await v.close();
}

/** Median latency (µs) of one verifyEvents call of `size` events, inline vs pool. */
async function benchSmallBatches(events: NostrEvent[]): Promise<void> {
  const inline = await createVerifier({ threads: 0, cacheSize: 0 });
  const pooled = await createVerifier({ threads: CORES, cacheSize: 0, inlineBelow: 0 });
  console.log(`\nsmall batches, ${inline.backend}: median µs per verifyEvents call`);
  const table: Record<string, { inline: number; pool: number }> = {};
  for (const size of [1, 4, 8, 16, 32, 64, 256]) {
    const time = async (v: typeof inline) => {
      const ts: number[] = [];
      for (let i = 0; i + size <= Math.min(events.length, 4000); i += size) {
        const t0 = performance.now();
        await v.verifyEvents(events.slice(i, i + size));
        ts.push((performance.now() - t0) * 1000);
      }
      return Math.round(median(ts));
    };
    table[size] = { inline: await time(inline), pool: await time(pooled) };
  }
  console.table(table);
  await Promise.all([inline.close(), pooled.close()]);
}

/** A throwaway native worker that accepts either message format. */
function transferWorkerCode(): string {
  const schnorr = fileURLToPath(import.meta.resolve("bcrypto/lib/native/schnorr"));
  return `
    const { parentPort } = require("node:worker_threads");
    const s = require(${JSON.stringify(schnorr)});
    parentPort.on("message", (m) => {
      const ok = new Uint8Array(m.n);
      const b = m.buf ? Buffer.from(m.buf) : null;
      for (let i = 0; i < m.n; i++) {
        const [id, pk, sig] = b ? [b.subarray(i*128, i*128+32), b.subarray(i*128+32, i*128+64), b.subarray(i*128+64, i*128+128)]
          : [Buffer.from(m.hex[3*i], "hex"), Buffer.from(m.hex[3*i+1], "hex"), Buffer.from(m.hex[3*i+2], "hex")];
        ok[i] = s.verify(id, sig, pk) ? 1 : 0;
      }
      parentPort.postMessage(ok, [ok.buffer]);
    });`;
}

function sendBatch(w: Worker, batch: NostrEvent[], packed: boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    w.once("message", () => resolve());
    if (!packed) {
      w.postMessage({ n: batch.length, hex: batch.flatMap((e) => [e.id, e.pubkey, e.sig]) });
      return;
    }
    const buf = Buffer.alloc(batch.length * 128);
    batch.forEach((e, i) => {
      buf.write(e.id, i * 128, "hex");
      buf.write(e.pubkey, i * 128 + 32, "hex");
      buf.write(e.sig, i * 128 + 64, "hex");
    });
    w.postMessage({ n: batch.length, buf: buf.buffer }, [buf.buffer]);
  });
}

/** All events through the workers in batches of 1024; returns events/s. */
async function timeTransfer(
  workers: Worker[],
  events: NostrEvent[],
  packed: boolean,
): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    workers.map(async (w) => {
      for (let i = next; i < events.length; i = next) {
        next += 1024;
        await sendBatch(w, events.slice(i, i + 1024), packed);
      }
    }),
  );
  return (events.length * 1000) / (performance.now() - t0);
}

/**
 * The worker message format: one packed buffer per batch vs an array of hex strings, on
 * identical workers. Runs alternate, so that a change in the machine's load hits both alike.
 */
async function benchTransfer(events: NostrEvent[]): Promise<void> {
  const workers = Array.from(
    { length: CORES },
    () => new Worker(transferWorkerCode(), { eval: true }),
  );
  const hex: number[] = [];
  const packed: number[] = [];
  await timeTransfer(workers, events, false); // warm-up
  await timeTransfer(workers, events, true);
  for (let r = 0; r < RUNS; r++) {
    hex.push(await timeTransfer(workers, events, false));
    packed.push(await timeTransfer(workers, events, true));
  }
  const summary = (xs: number[]) => ({ median: median(xs), best: Math.max(...xs) });
  record("transfer: hex strings per 1024", "native", CORES, summary(hex));
  record("transfer: one packed buffer per 1024", "native", CORES, summary(packed));
  await Promise.all(workers.map((w) => w.terminate()));
}

/**
 * How many cores this process really gets right now: the same CPU-bound loop on 1 and on
 * CORES worker threads. On a shared machine this is well below CORES; read the pool
 * figures against it.
 */
async function cpuParallelism(): Promise<number> {
  const spin =
    "let x = 0; for (let i = 0; i < 2e8; i++) x += i % 7; require('node:worker_threads').parentPort.postMessage(x);";
  const wall = async (threads: number) => {
    const t0 = performance.now();
    await Promise.all(
      Array.from(
        { length: threads },
        () => new Promise((resolve) => new Worker(spin, { eval: true }).once("message", resolve)),
      ),
    );
    return performance.now() - t0;
  };
  const one = await wall(1);
  return (CORES * one) / (await wall(CORES));
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version}, ${CORES} cores (${cpus()[0]?.model ?? "?"}), ${N} events, ${RUNS} timed runs each`,
  );
  const load0 = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  const par0 = await cpuParallelism();
  console.log(`effective parallelism at start: ${par0.toFixed(2)} of ${CORES} cores`);
  const t0 = performance.now();
  const events = await makeEvents(N);
  const bytes = Buffer.byteLength(JSON.stringify(events));
  console.log(
    `signed ${N} events (${(bytes / 1e6).toFixed(1)} MB JSON) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  record(
    "id hash only (sha256 of NIP-01 JSON)",
    "node:crypto",
    "main",
    await rate(N, () => events.every(hasValidId)),
  );
  const backends = await availableBackends();
  for (const name of backends) await benchBackend(events, name);
  await benchCached(events);
  if (backends.includes("native")) await benchTransfer(events);
  await benchSmallBatches(events);
  console.log(
    `\nload average at start ${load0}, at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `effective parallelism at end: ${(await cpuParallelism()).toFixed(2)} of ${CORES} cores`,
  );
  console.log("summary");
  console.table(rows);
  console.log(`RESULT ${JSON.stringify(resultOf(load0))}`);
}

/** The headline figures: every row's median events/s under a key naming it, and the load. */
function resultOf(load0: string): Record<string, number | string> {
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_|_$/g, "");
  const result: Record<string, number | string> = { events: N, cores: CORES };
  for (const row of rows) {
    const key = `${slug(row.measurement)}_${slug(row.backend)}_${slug(String(row.threads))}_per_s`;
    result[key] = row["median /s"];
  }
  return { ...result, load_start: load0, load_end: loadavg()[0]?.toFixed(2) ?? "" };
}

await main();
