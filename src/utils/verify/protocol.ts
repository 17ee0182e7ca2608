import type { Filter, NostrEvent } from "../../models/event-types.js";
import type { BackendName, SignatureBackend } from "./backend.js";
import type { PackedFrames, ScreenReply } from "./screen.js";

/**
 * Messages between the pool and its workers. A batch travels as one packed buffer of
 * 128-byte records (id 32 | pubkey 32 | sig 64): measured faster than an array of hex
 * strings (see BENCHMARKS.md), and the hex is decoded once, on the main thread, where it
 * was already validated.
 */
const RECORD_BYTES = 128;

/** `workerData` of a verify worker. */
export interface WorkerInit {
  readonly bigbrotrVerifyWorker: true;
  readonly backend: BackendName;
}

/** Signatures to check: `count` packed records. */
export interface VerifyTask {
  readonly type: "verify";
  readonly count: number;
  readonly packed: ArrayBuffer;
}

/** EVENT frames to screen (screen.ts) against a REQ's filters. */
export interface ScreenTask {
  readonly type: "screen";
  readonly frames: PackedFrames;
  readonly filters: readonly Filter[];
}

export type WorkerTask = VerifyTask | ScreenTask;
export type WorkerRequest = WorkerTask & { readonly seq: number };

/** A task's answer: one byte per record (verify) or the screened batch (screen). */
export type TaskResult = Uint8Array | ScreenReply;

export type WorkerReply =
  | { readonly type: "ready"; readonly backend: BackendName }
  | { readonly type: "result"; readonly seq: number; readonly result: TaskResult };

export function isWorkerInit(data: unknown): data is WorkerInit {
  const init = data as Partial<WorkerInit> | null;
  return typeof init === "object" && init !== null && init.bigbrotrVerifyWorker === true;
}

/**
 * Packs `events[indexes[i]]` for i in [start, end) into records. The caller has already
 * checked that id, pubkey and sig are well-formed lowercase hex.
 */
export function packRecords(
  events: readonly NostrEvent[],
  indexes: readonly number[],
  start: number,
  end: number,
): ArrayBuffer {
  const buf = Buffer.alloc((end - start) * RECORD_BYTES);
  for (let i = start; i < end; i++) {
    const ev = events[indexes[i] as number] as NostrEvent;
    const offset = (i - start) * RECORD_BYTES;
    buf.write(ev.id, offset, 32, "hex");
    buf.write(ev.pubkey, offset + 32, 32, "hex");
    buf.write(ev.sig, offset + 64, 64, "hex");
  }
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
}

/** Verifies `count` packed records; returns one byte per record, 1 = valid signature. */
export function verifyRecords(
  backend: SignatureBackend,
  packed: ArrayBuffer,
  count: number,
): Uint8Array {
  const bytes = Buffer.from(packed);
  const ok = new Uint8Array(count);
  const n = Math.min(count, Math.floor(bytes.length / RECORD_BYTES));
  for (let i = 0; i < n; i++) {
    const at = i * RECORD_BYTES;
    const valid = backend.verifyBytes(
      bytes.subarray(at, at + 32),
      bytes.subarray(at + 32, at + 64),
      bytes.subarray(at + 64, at + 128),
    );
    ok[i] = valid ? 1 : 0;
  }
  return ok;
}
