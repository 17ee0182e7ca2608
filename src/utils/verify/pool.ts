import { availableParallelism } from "node:os";
import { hasValidId } from "../../models/event.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import { preparedColumns } from "../../models/prepared-event.js";
import { onAbort } from "../abort.js";
import {
  type BackendName,
  type BackendPreference,
  isWellFormedTriple,
  loadBackend,
  type SignatureBackend,
} from "./backend.js";
import { LruMap, signatureTag } from "./id-cache.js";
import { packRecords } from "./protocol.js";
import { packFrames, type ScreenReply, screenFrames } from "./screen.js";
import {
  type SpawnWorker,
  spawnVerifyWorker,
  startWorkerPool,
  type WorkerPool,
} from "./worker-pool.js";

/** Cheap NIP-01 shape check (no copies): wrong shapes are reported as bad-id, never thrown. */
function hasValidShape(ev: NostrEvent): boolean {
  if (typeof ev !== "object" || ev === null) return false;
  if (typeof ev.id !== "string" || typeof ev.pubkey !== "string") return false;
  if (typeof ev.content !== "string" || typeof ev.sig !== "string") return false;
  if (!Number.isSafeInteger(ev.created_at) || !Number.isSafeInteger(ev.kind)) return false;
  if (!Array.isArray(ev.tags)) return false;
  return ev.tags.every(
    (tag) => Array.isArray(tag) && tag.every((item) => typeof item === "string"),
  );
}

export type VerifyResult = "ok" | "bad-id" | "bad-sig";

export interface VerifierOptions {
  /** Worker threads; 0 verifies everything on the calling thread. Default: one per core. */
  threads?: number;
  backend?: BackendPreference;
  /** How many verified ids to remember (LRU). Default 200,000 (about 23 MB of heap). */
  cacheSize?: number;
  /** Batches with fewer signatures to check than this are verified inline. Default 16. */
  inlineBelow?: number;
  /** How workers are started; tests use it to inject failures. */
  spawnWorker?: SpawnWorker;
}

/** Per call of Verifier.verifyEvents. */
export interface VerifyCallOptions {
  /**
   * The caller has already recomputed every event's id from its content (a relay client's
   * screening does): the id hash is not computed again. Shape and signature still are.
   */
  idsChecked?: boolean;
}

export interface Verifier {
  readonly backend: BackendName;
  readonly threads: number;
  /**
   * One result per event, in order. The id hash is recomputed and must match (unless the
   * caller says it has checked the ids, `idsChecked`). A copy whose id and signature
   * were verified before (or are stored, per `markVerified`) skips the Schnorr check; a
   * copy of a known id with another signature is checked like any other: a valid id with
   * a forged signature is "bad-sig", never "ok" on the strength of an honest copy.
   */
  verifyEvents(
    events: readonly NostrEvent[],
    signal?: AbortSignal,
    call?: VerifyCallOptions,
  ): Promise<VerifyResult[]>;
  /**
   * Screens EVENT frames (screen.ts) on a worker thread, inline without workers. The events it
   * accepts carry their id check done: verify them with `idsChecked`.
   */
  screenFrames(
    frames: readonly Uint8Array[],
    filters: readonly Filter[],
    signal?: AbortSignal,
  ): Promise<ScreenReply>;
  /** Whether this id was verified with this signature (the cache, not a check). */
  isKnownVerified(event: SignedId): boolean;
  /** Records (id, signature) pairs known good, e.g. because they are stored as such. */
  markVerified(events: Iterable<SignedId>): void;
  close(): Promise<void>;
}

const DEFAULT_CACHE_SIZE = 200_000;
/**
 * bench/verify.ts "small batches": a worker round trip adds about 20 µs to a call, one
 * native check costs about 45 µs; below 16 events inline is as fast and skips the hop.
 */
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
  const ctx: Context = {
    backend,
    pool,
    cache: new LruMap(opts.cacheSize ?? DEFAULT_CACHE_SIZE),
    inlineBelow: opts.inlineBelow ?? DEFAULT_INLINE_BELOW,
  };
  let closed = false;

  return {
    backend: backend.name,
    threads,
    async verifyEvents(events, signal, call) {
      signal?.throwIfAborted();
      if (closed) throw new Error("verifier is closed");
      return verifyBatch(ctx, events, signal, call?.idsChecked === true);
    },
    async screenFrames(frames, filters, signal) {
      signal?.throwIfAborted();
      if (closed) throw new Error("verifier is closed");
      const packed = packFrames(frames);
      if (pool === undefined) return screenFrames(packed, filters);
      const work = pool.run({ type: "screen", frames: packed, filters }, signal);
      return (await abortable(work, signal)) as ScreenReply;
    },
    isKnownVerified: (e) => knownVerified(ctx.cache, e, false),
    markVerified(events) {
      for (const e of events) {
        if (isWellFormedTriple(e.id, HEX64, e.sig)) ctx.cache.set(e.id, tagOf(e));
      }
    },
    async close() {
      closed = true;
      await pool?.close();
    },
  };
}

interface Context {
  readonly backend: SignatureBackend;
  readonly pool: WorkerPool | undefined;
  /** Verified ids, each with its verified signature's tag. */
  readonly cache: LruMap<string>;
  readonly inlineBelow: number;
}

/**
 * Checks ids on this thread and sends each full chunk of signatures to the pool as soon as
 * it is collected, so hashing here overlaps with verification in the workers. What is left
 * at the end goes to the pool too, unless the whole batch is small enough to do inline.
 */
async function verifyBatch(
  ctx: Context,
  events: readonly NostrEvent[],
  signal: AbortSignal | undefined,
  idsChecked: boolean,
): Promise<VerifyResult[]> {
  const results: VerifyResult[] = new Array(events.length);
  const pending: number[] = [];
  const parts: Promise<void>[] = [];
  const { pool } = ctx;
  const chunk = pool === undefined ? Number.POSITIVE_INFINITY : chunkSize(events.length, pool.size);
  let sent = 0;
  const send = (end: number) => {
    parts.push(
      sendChunk(ctx, pool as WorkerPool, events, pending.slice(sent, end), results, signal),
    );
    sent = end;
  };
  for (let i = 0; i < events.length; i++) {
    const ev = events[i] as NostrEvent;
    const badId = !screened(ev) && (!hasValidShape(ev) || (!idsChecked && !hasValidId(ev)));
    if (badId) results[i] = "bad-id";
    else if (knownVerified(ctx.cache, ev, true)) results[i] = "ok";
    else if (!isWellFormedTriple(ev.id, ev.pubkey, ev.sig)) results[i] = "bad-sig";
    else if (pending.push(i) - sent >= chunk) send(pending.length);
  }
  if (pool === undefined || pending.length < ctx.inlineBelow) {
    const rest = pending.slice(sent);
    settle(ctx, events, rest, verifyInline(ctx.backend, events, rest), results);
  } else if (sent < pending.length) {
    send(pending.length);
  }
  await abortable(Promise.all(parts), signal);
  return results;
}

/** Screened where it was parsed (screen.ts): its shape and id are checked, its tags not parsed here. */
function screened(ev: NostrEvent): boolean {
  return preparedColumns(ev) !== undefined;
}

/** An event's id and signature: what the cache of verified copies is keyed on. */
export type SignedId = Pick<NostrEvent, "id" | "sig">;

const HEX64 = "0".repeat(64);

/** The signature's cache tag: computed where a prepared event was screened, else now. */
function tagOf(e: SignedId): string {
  return preparedColumns(e as NostrEvent)?.sigTag ?? signatureTag(e.sig);
}

function knownVerified(cache: LruMap<string>, e: SignedId, touch: boolean): boolean {
  const tag = touch ? cache.touch(e.id) : cache.get(e.id);
  return tag !== undefined && typeof e.sig === "string" && tag === tagOf(e);
}

function chunkSize(batch: number, workers: number): number {
  return Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.ceil(batch / (workers * 2))));
}

async function sendChunk(
  ctx: Context,
  pool: WorkerPool,
  events: readonly NostrEvent[],
  indexes: readonly number[],
  results: VerifyResult[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const packed = packRecords(events, indexes, 0, indexes.length);
  const ok = (await pool.run(
    { type: "verify", packed, count: indexes.length },
    signal,
  )) as Uint8Array;
  settle(ctx, events, indexes, ok, results);
}

function settle(
  ctx: Context,
  events: readonly NostrEvent[],
  indexes: readonly number[],
  ok: Uint8Array,
  results: VerifyResult[],
): void {
  for (let k = 0; k < indexes.length; k++) {
    const i = indexes[k] as number;
    if (ok[k] === 1) {
      results[i] = "ok";
      const ev = events[i] as NostrEvent;
      ctx.cache.set(ev.id, tagOf(ev));
    } else {
      results[i] = "bad-sig";
    }
  }
}

function verifyInline(
  backend: SignatureBackend,
  events: readonly NostrEvent[],
  indexes: readonly number[],
): Uint8Array {
  const ok = new Uint8Array(indexes.length);
  for (let k = 0; k < indexes.length; k++) {
    const ev = events[indexes[k] as number] as NostrEvent;
    ok[k] = backend.verify(ev.id, ev.pubkey, ev.sig) ? 1 : 0;
  }
  return ok;
}

/** Rejects with the signal's reason as soon as it aborts; in-flight work is discarded. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const off = onAbort(signal, () => reject(signal.reason));
    work.then(resolve, reject).finally(off);
  });
}
