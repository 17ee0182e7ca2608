import { beforeAll, describe, expect, it } from "vitest";
import { generateEvents } from "../../../../src/devnet/event-factory.js";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { relayPages } from "../../../../src/services/synchronizer/relay-pages.js";
import { fetchWindow } from "../../../../src/services/synchronizer/window.js";
import { useRelays } from "../../nips/nip01/helpers.js";

let events: NostrEvent[];
const { relay, client } = useRelays(() => events);

beforeAll(async () => {
  // 600 events over a day, and 60 of them, of four kinds, crowded into one second (more
  // than two pages of 25; each kind fits a page).
  const spread = await generateEvents({ count: 540, seed: 11, spanSeconds: 86_400 });
  const burst = [];
  for (const kind of [1, 7, 6, 0]) {
    const one = { count: 15, seed: 12 + kind, startTime: 1_700_040_000, spanSeconds: 0 };
    burst.push(...(await generateEvents({ ...one, users: 40, kinds: [kind] })));
  }
  events = [...spread, ...burst];
});

async function walk(url: string, options: { withCount: boolean }) {
  const c = await client(url);
  const pages = relayPages(c);
  const got: NostrEvent[] = [];
  const result = await fetchWindow(pages.fetch, {}, 1_600_000_000, 1_800_000_000, {
    limit: 500,
    ...(options.withCount ? { count: pages.count } : {}),
    onEvents: (page) => {
      got.push(...page);
    },
  });
  return { result, got, stats: c.stats };
}

const sorted = (list: NostrEvent[]) => list.map((e) => e.id).sort();

describe("a window walked through the relay client", () => {
  it("gets the relay's exact set through a 25-event clamp and a crowded second", async () => {
    const r = await relay({ maxLimit: 25 });
    const { result, got } = await walk(r.url, { withCount: true });
    expect(sorted(got)).toEqual(sorted(events));
    expect(result.gaps).toEqual([]);
    expect(result.pageSize).toBe(25);
  });

  it("records the crowded second as a gap when the relay cannot COUNT, and still gets what it can", async () => {
    const r = await relay({ maxLimit: 25 });
    const { result, got } = await walk(r.url, { withCount: false });
    expect(got.length).toBeGreaterThanOrEqual(events.length - 60 + 25);
    expect(result.gaps.map((g) => [g.since, g.reason])).toContainEqual([
      1_700_040_000,
      "second-overflow",
    ]);
  });

  it("never stores an event whose signature is bad: the client drops it, the walk goes on", async () => {
    const r = await relay({ maxLimit: 50, invalidSignatures: true });
    const c = await client(r.url);
    const pages = relayPages(c, { verify: async (batch) => batch.map(() => false) });
    const got: NostrEvent[] = [];
    await fetchWindow(pages.fetch, {}, 0, 2_000_000_000, {
      limit: 50,
      onEvents: (page) => {
        got.push(...page);
      },
    });
    expect(got).toEqual([]);
    expect(c.stats.badSig).toBeGreaterThan(0);
  });
});
