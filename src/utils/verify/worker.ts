/**
 * Entry point of a verification worker thread (started by worker-pool.ts, never imported).
 * Loads the backend named in `workerData`, says "ready", then answers each VerifyRequest
 * with one byte per record. A failure to load rejects, which ends the thread with an
 * error the pool reports.
 */
import { isMainThread, type MessagePort, parentPort, workerData } from "node:worker_threads";
import { loadBackend } from "./backend.js";
import {
  isWorkerInit,
  type VerifyRequest,
  verifyRecords,
  type WorkerInit,
  type WorkerReply,
} from "./protocol.js";

async function serve(port: MessagePort, init: WorkerInit): Promise<void> {
  const backend = await loadBackend(init.backend);
  port.on("message", (req: VerifyRequest) => {
    const ok = verifyRecords(backend, req.packed, req.count);
    const reply: WorkerReply = { type: "result", seq: req.seq, ok };
    port.postMessage(reply, [ok.buffer as ArrayBuffer]);
  });
  const ready: WorkerReply = { type: "ready", backend: backend.name };
  port.postMessage(ready);
}

// Only acts inside a worker started with our workerData, so importing it elsewhere is inert.
if (!isMainThread && parentPort !== null && isWorkerInit(workerData)) {
  await serve(parentPort, workerData);
}
