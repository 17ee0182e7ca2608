import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createProgress } from "../../../src/cli/progress.js";
import { formatSyncProgress } from "../../../src/cli/sync-progress.js";
import type { SyncProgress } from "../../../src/services/synchronizer/service.js";

const p = (over: Partial<SyncProgress> = {}): SyncProgress => ({
  relays: 1200,
  done: 37,
  events: 1_234_567,
  stored: 98_765,
  invalid: 12,
  gaps: 3,
  queued: 20_000,
  ...over,
});

describe("synchronizer progress line", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows relays done of all, events fetched, stored, invalid, gaps and the queue", () => {
    expect(formatSyncProgress(p())).toBe(
      "relays 37/1,200, 1,234,567 events fetched, 98,765 stored, 12 invalid, 3 gaps, queue 20,000",
    );
    expect(
      formatSyncProgress(
        p({ relays: 0, done: 0, events: 0, stored: 0, invalid: 0, gaps: 0, queued: 0 }),
      ),
    ).toBe("relays 0/0, 0 events fetched, 0 stored, 0 invalid, 0 gaps, queue 0");
  });

  it("is rewritten in place with the events per second, at most once a second", () => {
    const written: string[] = [];
    const stream = { isTTY: true, write: (t: string) => written.push(t) > 0 };
    let last = p({ events: 0 });
    const progress = createProgress(stream as unknown as NodeJS.WriteStream, true, () =>
      formatSyncProgress(last),
    );
    const report = (next: SyncProgress) => {
      last = next;
      progress.update(next.events);
    };
    vi.advanceTimersByTime(500);
    report(p({ events: 100 }));
    vi.advanceTimersByTime(1500);
    report(p({ done: 38, events: 4000 }));
    report(p({ done: 39, events: 4100 }));
    vi.advanceTimersByTime(2000);
    last = p({ done: 1200, events: 8000, queued: 0 });
    progress.done(8000);
    expect(written).toEqual([
      "\rrelays 38/1,200, 4,000 events fetched, 98,765 stored, 12 invalid, 3 gaps, queue 20,000, 2,000/s\u001b[K",
      "\rrelays 1,200/1,200, 8,000 events fetched, 98,765 stored, 12 invalid, 3 gaps, queue 0, 2,000/s\u001b[K\n",
    ]);
  });
});
