import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | undefined;

/**
 * Bytes of live heap after a full garbage collection, for loose memory checks (garbage not
 * yet collected would swamp them). `--expose-gc` is switched on at run time, so the test
 * runner needs no flag.
 */
export function retainedHeapBytes(): number {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
  return process.memoryUsage().heapUsed;
}
