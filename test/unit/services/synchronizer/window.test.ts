import { describe, expect, it } from "vitest";
import { createPrng } from "../../../../src/devnet/prng.js";
import type { Filter, NostrEvent } from "../../../../src/models/event-types.js";
import { matchFilter } from "../../../../src/models/filter.js";
import {
  type FetchPage,
  fetchWindow,
  type WalkOptions,
} from "../../../../src/services/synchronizer/window.js";

// Ids are hashes: their order says nothing about kind, author or time.
const idPrng = createPrng(9);
const randomId = () =>
  Array.from({ length: 8 }, () => idPrng.int(0, 0xffffffff).toString(16).padStart(8, "0")).join("");
function ev(created_at: number, kind = 1, pubkey = "a".repeat(64)): NostrEvent {
  return {
    id: randomId(),
    pubkey,
    created_at,
    kind,
    tags: [],
    content: "",
    sig: "0".repeat(128),
  };
}

interface FakeRelay {
  /** Events returned per REQ at most, whatever the limit asked (silent clamp). */
  cap: number;
  ascending?: boolean;
  ignoreUntil?: boolean;
  /** Ids the client refuses (bad signature): in the relay's answer, not in `events`. */
  refuse?: ReadonlySet<string>;
}

/** A relay's REQ semantics over an in-memory set: NIP-01 filter, inclusive bounds, newest first. */
function relay(events: NostrEvent[], knobs: FakeRelay): { fetch: FetchPage; requests: Filter[] } {
  const requests: Filter[] = [];
  const fetch: FetchPage = async ({ filter, since, until, limit }) => {
    const f: Filter = { ...filter, since, ...(knobs.ignoreUntil ? {} : { until }) };
    requests.push(f);
    const hits = events.filter((e) => matchFilter(f, e));
    const dir = knobs.ascending ? -1 : 1;
    hits.sort((a, b) => dir * (b.created_at - a.created_at) || (a.id < b.id ? -1 : 1));
    const answer = hits.slice(0, Math.min(limit, knobs.cap));
    const refused = answer.filter((e) => knobs.refuse?.has(e.id));
    return {
      events: answer.filter((e) => !knobs.refuse?.has(e.id)),
      refused: { count: refused.length, at: refused.map((e) => e.created_at) },
    };
  };
  return { fetch, requests };
}

const ids = (list: readonly NostrEvent[]) => list.map((e) => e.id).sort();

/** fetchWindow, collecting what it delivers; fails if an event is delivered twice. */
async function walk(
  fetch: FetchPage,
  filter: Filter,
  since: number,
  until: number,
  options: Omit<WalkOptions, "onEvents">,
) {
  const delivered: NostrEvent[] = [];
  const result = await fetchWindow(fetch, filter, since, until, {
    ...options,
    onEvents: (events) => {
      delivered.push(...events);
    },
  });
  expect(new Set(delivered.map((e) => e.id)).size).toBe(delivered.length);
  expect(result.events).toBe(delivered.length);
  return { ...result, events: delivered };
}

describe("fetchWindow", () => {
  it("fetches every event of a window through a relay that clamps its pages", async () => {
    const events = Array.from({ length: 1000 }, (_, i) => ev(1000 + Math.floor(i / 10)));
    const { fetch, requests } = relay(events, { cap: 37 });
    const result = await walk(fetch, {}, 1000, 1099, { limit: 500 });
    expect(ids(result.events)).toEqual(ids(events));
    expect(result.gaps).toEqual([]);
    expect(result.pageSize).toBe(37);
    // About one request per page, not one per second.
    expect(requests.length).toBeLessThan(1000 / 37 + 12);
  });

  it("remembers about a page of events, not the whole window", async () => {
    const events = Array.from({ length: 5000 }, (_, i) => ev(10_000 + i));
    const { fetch } = relay(events, { cap: 40 });
    const result = await walk(fetch, {}, 0, 20_000, { limit: 500 });
    expect(result.events).toHaveLength(5000);
    expect(result.stats.peakRemembered).toBeLessThanOrEqual(2 * 40);
  });

  it("counts refused events toward the page: every good event behind them is fetched", async () => {
    // Every 7th event has a bad signature, and one stretch is a whole page of them: a walk
    // that judged pages by the events it kept would stop early (a short page looks final).
    const events = Array.from({ length: 600 }, (_, i) => ev(5000 + i));
    const refuse = new Set(
      events.filter((_, i) => i % 7 === 0 || (i >= 300 && i < 340)).map((e) => e.id),
    );
    const { fetch } = relay(events, { cap: 25, refuse });
    const result = await walk(fetch, {}, 0, 10_000, { limit: 100 });
    expect(ids(result.events)).toEqual(ids(events.filter((e) => !refuse.has(e.id))));
    expect(result.gaps).toEqual([]);
    expect(result.pageSize).toBe(25);
  });

  it("keeps both bounds inclusive and nothing outside them", async () => {
    const events = [ev(99), ev(100), ev(150), ev(200), ev(201)];
    const { fetch } = relay(events, { cap: 2 });
    const result = await walk(fetch, {}, 100, 200, { limit: 2 });
    expect(result.events.map((e) => e.created_at).sort()).toEqual([100, 150, 200]);
  });

  it("costs one request for an empty window and two once the page size is known", async () => {
    const { fetch, requests } = relay([], { cap: 10 });
    await walk(fetch, {}, 0, 10_000, { limit: 10 });
    expect(requests).toHaveLength(1);
    const small = relay([ev(5), ev(6)], { cap: 10 });
    const result = await walk(small.fetch, {}, 0, 10, { limit: 10, pageSize: 10 });
    expect(result.events).toHaveLength(2);
    expect(small.requests).toHaveLength(2);
  });

  it("splits a second holding three pages of events by kind, and proves it complete by COUNT", async () => {
    const burst = [1, 7, 6, 0].flatMap((kind) => Array.from({ length: 22 }, () => ev(500, kind)));
    const events = [...burst, ev(499), ev(501)];
    const { fetch } = relay(events, { cap: 30 });
    const count = async (f: Filter) => events.filter((e) => matchFilter(f, e)).length;
    const counted = await walk(fetch, {}, 0, 1000, { limit: 30, count });
    expect(ids(counted.events)).toEqual(ids(events));
    expect(counted.gaps).toEqual([]);
    // Without COUNT, kinds the full pages never showed could hide there: a gap, not silence.
    const uncounted = await walk(fetch, {}, 0, 1000, { limit: 30 });
    expect(ids(uncounted.events)).toEqual(ids(events));
    expect(uncounted.gaps).toEqual([
      { since: 500, until: 500, filter: {}, reason: "second-overflow" },
    ]);
  });

  it("splits by author within a kind, and records what one author's second still overflows", async () => {
    const b = "b".repeat(64);
    const events = [
      ...Array.from({ length: 18 }, () => ev(700, 1)),
      ...Array.from({ length: 18 }, () => ev(700, 1, b)),
      ...Array.from({ length: 45 }, () => ev(700, 7, b)),
    ];
    const { fetch } = relay(events, { cap: 20 });
    const result = await walk(fetch, {}, 600, 800, { limit: 20 });
    expect(result.gaps).toContainEqual({
      since: 700,
      until: 700,
      filter: { kinds: [7], authors: [b] },
      reason: "second-overflow",
    });
    // And the second as a whole: kinds no page showed may be there too.
    expect(result.gaps).toContainEqual({
      since: 700,
      until: 700,
      filter: {},
      reason: "second-overflow",
    });
    // Kind 1's two authors each fit a page: all 36 of them were fetched.
    expect(result.events.filter((e) => e.kind === 1)).toHaveLength(36);
  });

  it("never widens the filter it was given when it splits", async () => {
    const events = [
      ...Array.from({ length: 12 }, () => ev(10, 1)),
      ...Array.from({ length: 12 }, () => ev(10, 7)),
    ];
    const { fetch, requests } = relay(events, { cap: 5 });
    const result = await walk(fetch, { kinds: [7] }, 0, 20, { limit: 5 });
    expect(result.events.every((e) => e.kind === 7)).toBe(true);
    expect(requests.every((r) => r.kinds?.length === 1 && r.kinds[0] === 7)).toBe(true);
  });

  it("walks a relay that answers oldest first upwards", async () => {
    const events = Array.from({ length: 300 }, (_, i) => ev(2000 + i));
    const { fetch } = relay(events, { cap: 40, ascending: true });
    const result = await walk(fetch, {}, 2000, 2299, { limit: 40 });
    expect(ids(result.events)).toEqual(ids(events));
    expect(result.ascending).toBe(true);
  });

  it.each([
    ["newest first", false],
    ["oldest first", true],
  ])(
    "reports what is left after each step: a walk cut off and resumed there misses nothing (%s)",
    async (_name, up) => {
      // Ten events a second: pages of 37 cut seconds, so the boundary second is asked again.
      const events = Array.from({ length: 600 }, (_, i) => ev(3000 + Math.floor(i / 10)));
      const { fetch } = relay(events, { cap: 37, ascending: up });
      let calls = 0;
      const failing: FetchPage = async (request) => {
        if (++calls === 6) throw new Error("connection dropped");
        return fetch(request);
      };
      const delivered: NostrEvent[] = [];
      let left: { low: number; high: number } | undefined;
      const lefts: { low: number; high: number }[] = [];
      await expect(
        fetchWindow(failing, {}, 3000, 3059, {
          limit: 37,
          ascending: up,
          onEvents: (batch) => {
            delivered.push(...batch);
          },
          onProgress: (l) => {
            left = { low: l.low, high: l.high };
            lefts.push(left);
          },
        }),
      ).rejects.toThrow("connection dropped");
      // Each step narrows what is left, from one end.
      expect(lefts).toHaveLength(5);
      for (const [k, l] of lefts.entries()) {
        const prev = lefts[k - 1] ?? { low: 3000, high: 3059 };
        expect(
          up ? l.high === 3059 && l.low > prev.low : l.low === 3000 && l.high < prev.high,
        ).toBe(true);
      }
      const at = left as { low: number; high: number };
      const done = delivered.filter((e) => e.created_at < at.low || e.created_at > at.high);
      const rest = await walk(fetch, {}, at.low, at.high, { limit: 37, ascending: up });
      expect(rest.events.every((e) => e.created_at >= at.low && e.created_at <= at.high)).toBe(
        true,
      );
      expect(ids([...done, ...rest.events])).toEqual(ids(events));
    },
  );

  it("detects a relay that ignores until, drops what is out of bounds and records a gap", async () => {
    const events = [...Array.from({ length: 50 }, (_, i) => ev(5000 + i)), ev(100), ev(101)];
    const { fetch } = relay(events, { cap: 10, ignoreUntil: true });
    const result = await walk(fetch, {}, 0, 200, { limit: 10 });
    expect(result.events).toEqual([]);
    expect(result.stats.outOfBounds).toBe(10);
    expect(result.gaps).toEqual([{ since: 0, until: 200, filter: {}, reason: "ignores-bounds" }]);
  });

  it("gets exactly the relay's set for random data, caps and bursts", async () => {
    const prng = createPrng(42);
    for (let round = 0; round < 40; round++) {
      const events: NostrEvent[] = [];
      const n = prng.int(0, 400);
      for (let i = 0; i < n; i++) {
        const t = prng.chance(0.2) ? 777 : prng.int(0, 1500);
        events.push(ev(t, prng.int(0, 3), String(prng.int(0, 4)).repeat(64)));
      }
      const cap = prng.int(3, 60);
      const { fetch } = relay(events, { cap, ascending: prng.chance(0.3) });
      const count = async (f: Filter) => events.filter((e) => matchFilter(f, e)).length;
      const result = await walk(fetch, {}, 0, 1500, { limit: 100, count });
      const got = new Set(result.events.map((e) => e.id));
      // Every event is fetched except inside a recorded gap; nothing is invented.
      for (const e of events) {
        const inGap = result.gaps.some(
          (g) => e.created_at >= g.since && e.created_at <= g.until && matchFilter(g.filter, e),
        );
        if (!inGap) expect(got.has(e.id), `round ${round} cap ${cap}`).toBe(true);
      }
      expect(result.events.length).toBeLessThanOrEqual(events.length);
    }
  });
});
