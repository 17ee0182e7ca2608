/**
 * bench:scale's generator thread: makes event batches from `from` on (EventGenerator) and
 * posts each to the main thread, at most `ahead` batches that the main thread has not taken
 * yet; each message from the main thread gives one more. Posts `null` after the last batch.
 */
import { parentPort, workerData } from "node:worker_threads";
import { EventGenerator, type ScaleSpec } from "./scale-events.js";

const { spec, from, ahead } = workerData as { spec: ScaleSpec; from: number; ahead: number };
const port = parentPort;
if (port === null) throw new Error("scale-worker runs as a worker thread");
const batches = new EventGenerator(spec).batches(from);
let credits = ahead;
let finished = false;

function pump(): void {
  for (; credits > 0 && !finished; credits--) {
    const next = batches.next();
    if (next.done) {
      finished = true;
      port?.postMessage(null);
      return;
    }
    port?.postMessage(next.value);
  }
}

port.on("message", () => {
  credits += 1;
  pump();
});
pump();
