import { createProgress } from "./progress.js";
import type { RunRequest } from "./run-request.js";
import type { ProgressSink } from "./services.js";

/** A progress line for one service's `--once` run when stderr is a terminal; else none. */
export function onceProgress(request: RunRequest) {
  const single = request.once && !request.together && request.entries.length === 1;
  if (!single || process.stderr.isTTY !== true) return undefined;
  let line = "";
  let count = 0;
  let shown = false;
  const progress = createProgress(process.stderr, true, () => line);
  const sink: ProgressSink = (l, c) => {
    line = l;
    count = c;
    shown = true;
    progress.update(c);
  };
  return { sink, end: () => shown && progress.done(count) };
}
