/**
 * Entry point of a verification worker thread (started by worker-pool.ts, never imported).
 * Loads the backend named in `workerData`, says "ready", then answers each request: a
 * signature batch with one byte per record, a batch of EVENT frames with its screening. A failure to load rejects, which ends the thread with an
 * error the pool reports.
 */
import { isMainThread, type MessagePort, parentPort, workerData } from "node:worker_threads";
import { loadBackend } from "./backend.js";
import {
  isWorkerInit,
  verifyRecords,
  type WorkerInit,
  type WorkerReply,
  type WorkerRequest,
} from "./protocol.js";
import { screenFrames } from "./screen.js";

async function serve(port: MessagePort, init: WorkerInit): Promise<void> {
  const backend = await loadBackend(init.backend);
  port.on("message", (req: WorkerRequest) => {
    if (req.type === "verify") {
      const ok = verifyRecords(backend, req.packed, req.count);
      const reply: WorkerReply = { type: "result", seq: req.seq, result: ok };
      port.postMessage(reply, [ok.buffer as ArrayBuffer]);
      return;
    }
    const result = screenFrames(req.frames, req.filters);
    const reply: WorkerReply = { type: "result", seq: req.seq, result };
    const moved = [result.verdicts, result.at, result.createdAt, result.kinds];
    port.postMessage(
      reply,
      moved.map((a) => a.buffer as ArrayBuffer),
    );
  });
  const ready: WorkerReply = { type: "ready", backend: backend.name };
  port.postMessage(ready);
}

// Only acts inside a worker started with our workerData, so importing it elsewhere is inert.
if (!isMainThread && parentPort !== null && isWorkerInit(workerData)) {
  await serve(parentPort, workerData);
}
