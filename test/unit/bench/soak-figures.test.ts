import { describe, expect, it } from "vitest";
import { rssGrowthPerHour, windowMinima } from "../../../bench/support/soak-figures.js";
import type { SupervisedService } from "../../../bench/support/soak-services.js";

const MIN = 60_000;

/** One process sampled every 5 s (as the soak does) for `minutes`, RSS from `rss(t ms)`. */
function service(minutes: number, rss: (t: number) => number): SupervisedService {
  const samples = [];
  for (let t = 0; t <= minutes * MIN; t += 5000) samples.push({ t, rssMb: rss(t), fds: 20 });
  return {
    name: "synchronizer",
    lives: [{ pid: 1, started: 0, killedBySoak: false, samples }],
    lines: [],
    unexpectedExits: 0,
  };
}

/** A V8-like sawtooth: the heap climbs for `period` minutes, then a collection drops it. */
const sawtooth = (t: number, period: number, height: number) =>
  ((t % (period * MIN)) / (period * MIN)) * height;

describe("soak rss_growth_mb_per_hour", () => {
  it("a floor that stays put is no growth, however the peaks step up", () => {
    // The heap's peaks step from +30 to +90 MB halfway (V8 enlarging its young space), while
    // every collection comes back to 200 MB: a slope through every sample reads ~+100 MB/h.
    const svc = service(40, (t) => 200 + sawtooth(t, 3, t < 20 * MIN ? 30 : 90));
    const growth = rssGrowthPerHour(svc, 40 * MIN);
    expect(growth).not.toBeNull();
    expect(Math.abs(growth ?? 99)).toBeLessThan(3);
  });

  it("a leak raises the floor, and its rate is what is reported", () => {
    const svc = service(60, (t) => 200 + (t / (60 * MIN)) * 20 + sawtooth(t, 4, 40));
    expect(rssGrowthPerHour(svc, 60 * MIN)).toBeCloseTo(20, 0);
  });

  it("the warm-up and the catch-up after the producers stopped are not judged", () => {
    // +100 MB in the first minutes (caches filling), then flat; after minute 30 the catch-up
    // grows fast, but the producers stopped at minute 30.
    const svc = service(40, (t) => (t < 4 * MIN ? 100 + t / 2400 : t > 30 * MIN ? 400 : 200));
    expect(rssGrowthPerHour(svc, 30 * MIN)).toBeCloseTo(0, 5);
  });

  it("a run too short for a slope has none", () => {
    expect(
      rssGrowthPerHour(
        service(12, () => 100),
        12 * MIN,
      ),
    ).toBeNull();
  });

  it("windowMinima keeps the lowest sample of each stretch", () => {
    const s = [
      { t: 0, rssMb: 5 },
      { t: 100, rssMb: 3 },
      { t: 250, rssMb: 4 },
      { t: 320, rssMb: 9 },
      { t: 410, rssMb: 1 },
    ];
    expect(windowMinima(s, 200)).toEqual([
      { t: 100, rssMb: 3 },
      { t: 250, rssMb: 4 },
    ]);
  });
});
