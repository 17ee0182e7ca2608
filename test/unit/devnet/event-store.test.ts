import { describe, expect, it } from "vitest";
import { EventStore, effectiveLimit } from "../../../src/devnet/event-store.js";
import { createPrng } from "../../../src/devnet/prng.js";
import type { NostrEvent } from "../../../src/models/event-types.js";

const ev = (id: string, created_at: number, kind = 1): NostrEvent => ({
  id: id.repeat(64).slice(0, 64),
  pubkey: "a".repeat(64),
  created_at,
  kind,
  tags: [],
  content: "",
  sig: "b".repeat(128),
});

describe("EventStore", () => {
  it("keeps NIP-01 order whether events are added one by one or in bulk", () => {
    const events = [ev("c", 5), ev("a", 5), ev("b", 9), ev("d", 1), ev("e", 5)];
    const single = new EventStore();
    for (const e of events) single.add(e);
    const bulk = new EventStore();
    bulk.addMany(events);
    const order = ["b", "a", "c", "e", "d"].map((c) => c.repeat(64));
    expect(single.events.map((e) => e.id)).toEqual(order);
    expect(bulk.events.map((e) => e.id)).toEqual(order);
    expect(single.add(ev("a", 5))).toBe(false);
    expect(bulk.addMany([ev("a", 5), ev("f", 2)])).toBe(1);
  });

  it("limits each filter separately and merges newest first", () => {
    const store = new EventStore();
    store.addMany([ev("a", 1, 1), ev("b", 2, 1), ev("c", 3, 7), ev("d", 4, 7)]);
    const got = store.query(
      [
        { kinds: [1], limit: 1 },
        { kinds: [7], limit: 1 },
      ],
      500,
    );
    expect(got.map((e) => e.created_at)).toEqual([4, 2]);
    expect(store.query([{}], 3)).toHaveLength(3);
    expect(store.matching([{ kinds: [7] }, { since: 4 }])).toHaveLength(2);
  });

  it.each([
    [{}, 500, 500],
    [{ limit: 10 }, 500, 10],
    [{ limit: 10_000 }, 500, 500],
    [{ limit: 0 }, 500, 0],
    [{ limit: -1 }, 50, 50],
    [{ limit: 2.5 }, 50, 50],
  ])("effectiveLimit(%j, %i) = %i", (filter, max, want) => {
    expect(effectiveLimit(filter, max)).toBe(want);
  });
});

describe("createPrng", () => {
  it("is deterministic per seed and stays in range", () => {
    const a = createPrng(7);
    const b = createPrng(7);
    const xs = Array.from({ length: 100 }, () => a.int(3, 9));
    expect(Array.from({ length: 100 }, () => b.int(3, 9))).toEqual(xs);
    expect(Math.min(...xs)).toBe(3);
    expect(Math.max(...xs)).toBe(9);
    expect(createPrng(8).hex(8)).not.toBe(createPrng(7).hex(8));
    expect(createPrng(1).hex(32)).toMatch(/^[0-9a-f]{64}$/);
  });
});
