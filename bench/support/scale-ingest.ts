/**
 * bench:scale's event ingest: a worker thread generates the batches (scale-worker.ts) while
 * two archivers write them through archiveEvents as the synchronizer's writer does (shared
 * relay id cache, a cursor row committed in each batch's transaction, asynchronous commit).
 * Archiver w takes the batches ≡ w (mod 2) in order, so a batch is committed before the
 * batch holding its late sightings starts. Each committed batch is recorded in
 * bench_scale.progress; batches recorded by an earlier run are skipped.
 */
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type pg from "pg";
import { type ArchiveItem, archiveEvents } from "../../src/core/db/archive.js";
import { RelayIdCache } from "../../src/core/db/relays.js";
import { scaleRelays } from "./scale-data.js";
import { batchCount, type EventBatch, type ScaleSpec } from "./scale-events.js";
import { activeSeconds, doneUnits, recordUnit } from "./scale-progress.js";

const ARCHIVERS = 2;
/** Batches generated ahead of the archivers. */
const AHEAD = 6;

function startGenerator(spec: ScaleSpec, from: number): Worker {
  const file = new URL("./scale-worker.ts", import.meta.url).href;
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)})
    .then((tsx) => tsx.tsImport(${JSON.stringify(file)}, ${JSON.stringify(import.meta.url)}))
    .catch((err) => { setImmediate(() => { throw err; }); });`;
  return new Worker(boot, { eval: true, workerData: { spec, from, ahead: AHEAD }, execArgv: [] });
}

/** The worker's batches by number; `take(k)` waits for batch k and gives a credit back. */
class BatchInbox {
  readonly #batches = new Map<number, EventBatch | null>();
  readonly #waiting = new Map<number, (b: EventBatch | null) => void>();
  #ended = false;
  #failure: unknown;
  #arrived: () => void = () => undefined;
  /** Resolves when the first batch (or the end) arrives: the generator is up. */
  readonly ready = new Promise<void>((resolve) => {
    this.#arrived = resolve;
  });

  constructor(readonly worker: Worker) {
    worker.on("message", (b: EventBatch | null) => {
      this.#arrived();
      if (b === null) return this.#end();
      const wake = this.#waiting.get(b.batch);
      this.#waiting.delete(b.batch);
      if (wake) wake(b);
      else this.#batches.set(b.batch, b);
    });
    worker.on("error", (error) => {
      this.#failure = error;
      this.#end();
    });
    worker.on("exit", () => this.#end());
  }

  #end(): void {
    this.#arrived();
    this.#ended = true;
    for (const wake of this.#waiting.values()) wake(null);
    this.#waiting.clear();
  }

  async take(k: number): Promise<EventBatch | null> {
    let batch = this.#batches.get(k);
    this.#batches.delete(k);
    if (batch === undefined && !this.#ended) {
      batch = await new Promise<EventBatch | null>((wake) => this.#waiting.set(k, wake));
    }
    if (this.#failure) throw this.#failure;
    this.worker.postMessage(1);
    return batch ?? null;
  }
}

export interface IngestProgress {
  events: number;
  sightings: number;
}

/** Which progress units a run records, and the first batch it archives. */
export interface IngestPart {
  phase: "events" | "delta";
  first: number;
}

/** Archives every batch not yet committed; `onBatch` after each commit. Stops at abort. */
export async function ingestEvents(
  pool: pg.Pool,
  spec: ScaleSpec,
  signal: AbortSignal,
  onBatch: (p: IngestProgress) => void,
  part: IngestPart = { phase: "events", first: 0 },
): Promise<void> {
  const done = await doneUnits(pool, part.phase);
  const total = batchCount(spec);
  let from = part.first;
  while (from < total && done.has(from)) from++;
  if (from >= total) return;
  const relays = scaleRelays(spec.relays, spec.seed, spec.end);
  const base = await activeSeconds(pool, part.phase);
  const inbox = new BatchInbox(startGenerator(spec, from));
  // The clock starts when the generator thread is up (loading it is not ingest).
  await inbox.ready;
  const started = performance.now();
  const relayIds = new RelayIdCache();
  const archiver = async (w: number) => {
    for (let k = from; k < total && !signal.aborted; k++) {
      if (k % ARCHIVERS !== w) continue;
      const batch = await inbox.take(k);
      if (batch === null) break;
      if (done.has(k)) continue;
      const items: ArchiveItem[] = batch.sightings.map((s) => {
        const relay = relays[s.relay] as (typeof relays)[number];
        const event = batch.events[s.event] as EventBatch["events"][number];
        return { event, relayUrl: relay.url, network: relay.network, seenAt: s.seenAt };
      });
      const cursor = [
        {
          serviceName: "bench-scale",
          stateType: "cursor" as const,
          stateKey: `archiver-${w}`,
          stateValue: { batch: k },
        },
      ];
      await archiveEvents(pool, items, {
        profile: "bigbrotr",
        relayIds,
        cursor,
        asyncCommit: true,
      });
      const activeS = base + (performance.now() - started) / 1000;
      const unit = { phase: part.phase, n: k, items: batch.fresh, sightings: items.length };
      await recordUnit(pool, { ...unit, activeS });
      onBatch({ events: batch.fresh, sightings: items.length });
    }
  };
  try {
    await Promise.all(Array.from({ length: ARCHIVERS }, (_, w) => archiver(w)));
  } finally {
    await inbox.worker.terminate();
  }
}
