/**
 * A progress line on stderr, at most once a second: rewritten in place on a terminal, one
 * line per update otherwise (when asked for with --progress).
 */
export interface Progress {
  update(count: number): void;
  /** The final figures (always shown when progress is on). */
  done(count: number): void;
}

const INTERVAL_MS = 1000;

export function createProgress(
  stream: NodeJS.WriteStream,
  enabled: boolean,
  describe: (count: number) => string,
): Progress {
  const tty = stream.isTTY === true;
  const started = Date.now();
  let shownAt = started;
  const render = (count: number, end: boolean) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(count / seconds) : 0;
    const text = `${describe(count)}, ${rate.toLocaleString("en-US")}/s`;
    stream.write(tty ? `\r${text}\u001b[K${end ? "\n" : ""}` : `${text}\n`);
  };
  return {
    update(count) {
      const now = Date.now();
      if (!enabled || now - shownAt < INTERVAL_MS) return;
      shownAt = now;
      render(count, false);
    },
    done(count) {
      if (enabled) render(count, true);
    },
  };
}
