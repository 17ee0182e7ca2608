import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createProgress } from "../../../src/cli/progress.js";

function stream(isTTY: boolean) {
  const written: string[] = [];
  const s = { isTTY, write: (t: string) => written.push(t) > 0 };
  return { s: s as unknown as NodeJS.WriteStream, written };
}

describe("createProgress", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("updates at most once a second, in place on a terminal, and ends the line when done", () => {
    const { s, written } = stream(true);
    const p = createProgress(s, true, (n) => `${n} events written`);
    p.update(10);
    vi.advanceTimersByTime(999);
    p.update(20);
    expect(written).toEqual([]);
    vi.advanceTimersByTime(1);
    p.update(5000);
    vi.advanceTimersByTime(500);
    p.update(6000);
    vi.advanceTimersByTime(1500);
    p.done(8000);
    expect(written).toEqual([
      "\r5000 events written, 5,000/s\u001b[K",
      "\r8000 events written, 2,667/s\u001b[K\n",
    ]);
  });

  it("writes whole lines when stderr is not a terminal, and nothing when off", () => {
    const { s, written } = stream(false);
    const p = createProgress(s, true, (n) => `${n} lines`);
    vi.advanceTimersByTime(2000);
    p.update(3);
    p.done(4);
    expect(written).toEqual(["3 lines, 2/s\n", "4 lines, 2/s\n"]);
    const off = stream(true);
    const q = createProgress(off.s, false, (n) => `${n}`);
    vi.advanceTimersByTime(2000);
    q.update(1);
    q.done(1);
    expect(off.written).toEqual([]);
  });
});
