import { availableParallelism } from "node:os";
import type { NostrEvent } from "../../models/event-types.js";
import {
  type BackendName,
  type BackendPreference,
  isWellFormedTriple,
  loadBackend,
  type SignatureBackend,
} from "./backend.js";
import { idMatches } from "./event-id.js";
import { IdCache } from "./id-cache.js";
import { packRecords } from "./protocol.js";
import {
  type SpawnWorker,
  spawnVerifyWorker,
  startWorkerPool,
  type WorkerPool,
} from "./worker-pool.js";

export type VerifyResult = "ok" | "bad-id" | "bad-sig";

export interface VerifierOptions {
  /** Worker threads; 0 verifies everything on the calling thread. Default: one per core. */
  threads?: number;
  backend?: BackendPreference;
  /** How many verified ids to remember (LRU). Default 200,000 (about 25 MB). */
  cacheSize?: number;
  /** Batches with fewer signatures to check than this are verified inline. Default 16. */
  inlineBelow?: number;
  /** How workers are started; tests use it to inject failures. */
  spawnWorker?: SpawnWorker;
}

export interface Verifier {
  readonly backend: BackendName;
  readonly threads: number;
  /**
   * One result per event, in order. The id hash is always recomputed and must match. An id
   * that is known-verified skips the signature check: equal ids mean equal signed content,
   * and that content was verified before (or is stored, per `markVerified`), so a copy
   * carrying another (even invalid) signature is still reported "ok".
   */
  verifyEvents(events: readonly NostrEvent[], signal?: AbortSignal): Promise<VerifyResult[]>;
  isKnownVerified(id: string): boolean;
  /** Records ids whose events are known good, e.g. because they are already stored. */
  markVerified(ids: Iterable<string>): void;
  close(): Promise<void>;
}

const DEFAULT_CACHE_SIZE = 200_000;
/** Measured (bench/verify.ts): below this a worker round trip costs more than it saves. */
const DEFAULT_INLINE_BELOW = 16;
const MAX_CHUNK = 1024;
const MIN_CHUNK = 32;

/** Starts a verifier: loads the backend here and in each worker before resolving. */
export async function createVerifier(opts: VerifierOptions = {}): Promise<Verifier> {
  const backend = await loadBackend(opts.backend ?? "auto");
  const threads = Math.max(0, Math.floor(opts.threads ?? availableParallelism()));
  const pool =
    threads === 0
      ? undefined
      : await startWorkerPool(threads, backend.name, opts.spawnWorker ?? spawnVerifyWorker);
  const cache = new IdCache(opts.cacheSize ?? DEFAULT_CACHE_SIZE);
  const inlineBelow = opts.inlineBelow ?? DEFAULT_INLINE_BELOW;
  let closed = false;

  return {
    backend: backend.name,
    threads,
    async verifyEvents(events, signal) {
      signal?.throwIfAborted();
      if (closed) throw new Error("verifier is closed");
      const results: VerifyResult[] = new Array(events.length);
      const pending = triage(events, cache, results);
      if (pending.length === 0) return results;
      const ok =
        pool === undefined || pending.length < inlineBelow
          ? verifyInline(backend, events, pending)
          : await verifyOnPool(pool, events, pending, signal);
      settle(events, pending, ok, cache, results);
      return results;
    },
    isKnownVerified: (id) => cache.has(id),
    markVerified(ids) {
      for (const id of ids) if (typeof id === "string" && id.length === 64) cache.add(id);
    },
    async close() {
      closed = true;
      await pool?.close();
    },
  };
}

/** Fills in the results decided without a signature check; returns the rest's indexes. */
function triage(events: readonly NostrEvent[], cache: IdCache, results: VerifyResult[]): number[] {
  const pending: number[] = [];
  for (let i = 0; i < events.length; i++) {
    const ev = events[i] as NostrEvent;
    if (!idMatches(ev)) results[i] = "bad-id";
    else if (cache.touch(ev.id)) results[i] = "ok";
    else if (!isWellFormedTriple(ev.id, ev.pubkey, ev.sig)) results[i] = "bad-sig";
    else pending.push(i);
  }
  return pending;
}

function settle(
  events: readonly NostrEvent[],
  pending: readonly number[],
  ok: Uint8Array,
  cache: IdCache,
  results: VerifyResult[],
): void {
  for (let k = 0; k < pending.length; k++) {
    const i = pending[k] as number;
    if (ok[k] === 1) {
      results[i] = "ok";
      cache.add((events[i] as NostrEvent).id);
    } else {
      results[i] = "bad-sig";
    }
  }
}

function verifyInline(
  backend: SignatureBackend,
  events: readonly NostrEvent[],
  pending: readonly number[],
): Uint8Array {
  const ok = new Uint8Array(pending.length);
  for (let k = 0; k < pending.length; k++) {
    const ev = events[pending[k] as number] as NostrEvent;
    ok[k] = backend.verify(ev.id, ev.pubkey, ev.sig) ? 1 : 0;
  }
  return ok;
}

async function verifyOnPool(
  pool: WorkerPool,
  events: readonly NostrEvent[],
  pending: readonly number[],
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const perWorker = Math.ceil(pending.length / (pool.size * 2));
  const chunk = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, perWorker));
  const parts: Promise<Uint8Array>[] = [];
  for (let start = 0; start < pending.length; start += chunk) {
    const end = Math.min(pending.length, start + chunk);
    parts.push(pool.run(packRecords(events, pending, start, end), end - start, signal));
  }
  const answers = await abortable(Promise.all(parts), signal);
  const ok = new Uint8Array(pending.length);
  let at = 0;
  for (const answer of answers) {
    ok.set(answer, at);
    at += answer.length;
  }
  return ok;
}

/** Rejects with the signal's reason as soon as it aborts; in-flight work is discarded. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
