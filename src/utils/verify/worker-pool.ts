import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { BackendName } from "./backend.js";
import type { TaskResult, WorkerInit, WorkerReply, WorkerRequest, WorkerTask } from "./protocol.js";

/** Starts one verify worker for the given backend (a seam for tests and embedders). */
export type SpawnWorker = (backend: BackendName) => Worker;

export interface WorkerPool {
  readonly size: number;
  /**
   * Runs a task on some worker: packed signature records (resolves with one byte per record)
   * or EVENT frames to screen (resolves with a ScreenReply). A worker that dies on a task is
   * replaced and the task run again on another, once: answered once, never twice.
   */
  run(work: WorkerTask, signal?: AbortSignal): Promise<TaskResult>;
  close(): Promise<void>;
}

interface Task {
  readonly work: WorkerTask;
  readonly signal: AbortSignal | undefined;
  attempts: number;
  seq: number;
  resolve(result: TaskResult): void;
  reject(err: unknown): void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  task: Task | undefined;
  lastError: unknown;
}

/** A task is tried on at most this many workers before the failure is reported. */
const MAX_ATTEMPTS = 2;
/** Replacement workers that die before saying "ready", in a row, before the pool gives up. */
const MAX_STARTUP_FAILURES = 3;

/**
 * Where the worker entry lives. From the compiled `dist/` this module is `worker-pool.js`
 * and the worker is `worker.js`, started directly. Under tsx or vitest both are `.ts`,
 * which a Worker cannot run, and on Node 20 `execArgv: ["--import", "tsx"]` does not apply
 * to the worker's entry module (ERR_UNKNOWN_FILE_EXTENSION). So the worker is a two-line
 * eval script that loads `worker.ts` through tsx's `tsImport`, whose loader also handles
 * the `./x.js` -> `x.ts` imports below it. tsx is resolved from this file, not the cwd.
 */
export function resolveWorkerEntry(): { file: URL; bootstrap: string | undefined } {
  const self = import.meta.url;
  const ts = new URL("./worker.ts", import.meta.url);
  const js = new URL("./worker.js", import.meta.url);
  const order = self.endsWith(".ts") ? [ts, js] : [js, ts];
  const file = order.find((url) => existsSync(fileURLToPath(url)));
  if (file === undefined) throw new Error(`verify worker entry not found next to ${self}`);
  if (!file.pathname.endsWith(".ts")) return { file, bootstrap: undefined };
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsxApi)})
    .then((tsx) => tsx.tsImport(${JSON.stringify(file.href)}, ${JSON.stringify(self)}))
    .catch((err) => { setImmediate(() => { throw err; }); });`;
  return { file, bootstrap };
}

export const spawnVerifyWorker: SpawnWorker = (backend) => {
  const { file, bootstrap } = resolveWorkerEntry();
  const workerData: WorkerInit = { bigbrotrVerifyWorker: true, backend };
  // No inherited flags: e.g. a parent's --input-type or --eval would break the entry.
  return bootstrap === undefined
    ? new Worker(file, { workerData, execArgv: [] })
    : new Worker(bootstrap, { eval: true, workerData, execArgv: [] });
};

function waitReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerReply) => {
      if (m.type !== "ready") return;
      worker.off("error", onError).off("exit", onExit);
      resolve();
    };
    const onError = (err: unknown) => reject(err);
    const onExit = (code: number) => reject(new Error(`verify worker exited (${code}) at start`));
    worker.once("message", onMessage).once("error", onError).once("exit", onExit);
  });
}

/** Starts `size` workers and resolves once each has loaded its backend. */
export async function startWorkerPool(
  size: number,
  backend: BackendName,
  spawn: SpawnWorker,
): Promise<WorkerPool> {
  const workers = Array.from({ length: size }, () => spawn(backend));
  try {
    await Promise.all(workers.map(waitReady));
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  return new Pool(workers, backend, spawn);
}

class Pool implements WorkerPool {
  readonly #slots = new Set<Slot>();
  readonly #queue: Task[] = [];
  readonly #backend: BackendName;
  readonly #spawn: SpawnWorker;
  #seq = 0;
  #closed = false;
  #startupFailures = 0;
  #broken: Error | undefined;

  constructor(workers: Worker[], backend: BackendName, spawn: SpawnWorker) {
    this.#backend = backend;
    this.#spawn = spawn;
    for (const worker of workers) this.#attach(worker, true);
  }

  get size(): number {
    return this.#slots.size;
  }

  run(work: WorkerTask, signal?: AbortSignal): Promise<TaskResult> {
    if (this.#closed) return Promise.reject(new Error("verifier is closed"));
    if (this.#broken) return Promise.reject(this.#broken);
    return new Promise((resolve, reject) => {
      this.#queue.push({ work, signal, attempts: 0, seq: -1, resolve, reject });
      this.#pump();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const err = new Error("verifier closed");
    for (const task of this.#queue.splice(0)) task.reject(err);
    const slots = [...this.#slots];
    for (const slot of slots) slot.task?.reject(err);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  #attach(worker: Worker, ready: boolean): void {
    const slot: Slot = { worker, ready, task: undefined, lastError: undefined };
    this.#slots.add(slot);
    worker.on("message", (m: WorkerReply) => this.#onMessage(slot, m));
    worker.on("error", (err) => {
      slot.lastError = err;
    });
    worker.once("exit", (code) => this.#onExit(slot, code));
    if (ready) worker.unref(); // idle workers never keep the process alive
  }

  #onMessage(slot: Slot, m: WorkerReply): void {
    if (m.type === "ready") {
      slot.ready = true;
      this.#startupFailures = 0;
    } else {
      const task = slot.task;
      slot.task = undefined;
      if (task !== undefined && task.seq === m.seq) task.resolve(m.result);
    }
    this.#pump();
  }

  #onExit(slot: Slot, code: number): void {
    this.#slots.delete(slot);
    if (this.#closed) return;
    const task = slot.task;
    if (task !== undefined) {
      if (task.attempts < MAX_ATTEMPTS) this.#queue.unshift(task);
      else
        task.reject(
          new Error(`verify worker died (exit ${code}) twice on one batch`, {
            cause: slot.lastError,
          }),
        );
    }
    if (!slot.ready) this.#startupFailures++;
    if (this.#startupFailures >= MAX_STARTUP_FAILURES) {
      this.#fail(new Error("verify workers keep dying at start", { cause: slot.lastError }));
      return;
    }
    this.#attach(this.#spawn(this.#backend), false);
    this.#pump();
  }

  #fail(err: Error): void {
    this.#broken = err;
    for (const task of this.#queue.splice(0)) task.reject(err);
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (!slot.ready || slot.task !== undefined) continue;
      const task = this.#nextTask();
      if (task === undefined) {
        slot.worker.unref();
        continue;
      }
      task.attempts++;
      task.seq = this.#seq++;
      slot.task = task;
      slot.worker.ref(); // pending work keeps the process alive until it is answered
      // Not transferred: the task is kept for a retry should this worker die.
      const req: WorkerRequest = { ...task.work, seq: task.seq };
      slot.worker.postMessage(req);
    }
  }

  #nextTask(): Task | undefined {
    for (;;) {
      const task = this.#queue.shift();
      if (task === undefined || !task.signal?.aborted) return task;
      task.reject(task.signal.reason);
    }
  }
}
