import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveEvents } from "../../../src/core/db/archive.js";
import { sightedRecords, sightedSupports } from "../../../src/core/db/sighted.js";
import type { Filter, NostrEvent } from "../../../src/models/event-types.js";
import { matchFilter } from "../../../src/models/filter.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { fakeEvent } from "./helpers.js";

const A = "wss://a.example.com";
const B = "wss://b.example.com";

/** 40 events over 10 seconds, 2 authors, 2 kinds, tags t/e in patterns; on A, some on B. */
const events: NostrEvent[] = Array.from({ length: 40 }, (_, i) =>
  fakeEvent(`sighted-${i}`, {
    created_at: 1_700_000_000 + (i % 10),
    kind: i % 3 === 0 ? 7 : 1,
    pubkey: (i % 2 === 0 ? "aa" : "bb").repeat(32),
    tags: [
      ["t", i % 4 === 0 ? "nostr" : "other"],
      ...(i % 5 === 0 ? [["e", "cd".repeat(32)]] : []),
    ],
  }),
);
const onB = (i: number) => i % 3 !== 1;

describe("sightedRecords: what we saw on one relay, for a filter and a window", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    const items = events.flatMap((event, i) => [
      { event, relayUrl: A, network: "clearnet" as const, seenAt: 1 },
      ...(onB(i) ? [{ event, relayUrl: B, network: "clearnet" as const, seenAt: 1 }] : []),
    ]);
    await archiveEvents(db.pool, items, { profile: "bigbrotr" });
  });
  afterAll(async () => {
    await db.drop();
  });

  const since = 1_700_000_002;
  const until = 1_700_000_006;
  it.each<[string, Filter]>([
    ["everything", {}],
    ["kinds", { kinds: [7] }],
    ["authors", { authors: ["bb".repeat(32)] }],
    ["one tag", { "#t": ["nostr"] }],
    ["two tags (both must match)", { "#t": ["nostr", "other"], "#e": ["cd".repeat(32)] }],
    ["kinds, authors and a tag", { kinds: [1], authors: ["aa".repeat(32)], "#t": ["other"] }],
  ])("%s: the same events as the NIP-01 filter selects, on that relay only", async (_, filter) => {
    const expected = events
      .filter((e, i) => onB(i) && e.created_at >= since && e.created_at <= until)
      .filter((e) => matchFilter(filter, e))
      .map((e) => [e.created_at, e.id])
      .sort();
    const rows = await sightedRecords(db.pool, { relayUrl: B, since, until, filter, limit: 100 });
    expect(rows.map((r) => [r.createdAt, r.id.toString("hex")]).sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });

  it("stops at the limit, and knows nothing of an unknown relay", async () => {
    const some = await sightedRecords(db.pool, {
      relayUrl: A,
      since: 0,
      until: 2e9,
      filter: {},
      limit: 7,
    });
    expect(some).toHaveLength(7);
    const none = await sightedRecords(db.pool, {
      relayUrl: "wss://unknown.example",
      since: 0,
      until: 2e9,
      filter: {},
      limit: 7,
    });
    expect(none).toEqual([]);
  });

  it("says which filters it can select", () => {
    expect(sightedSupports({ kinds: [1], authors: ["aa"], "#t": ["x"] })).toBe(true);
    expect(sightedSupports({ ids: ["aa"] })).toBe(false);
    expect(sightedSupports({ "#long": ["x"] } as Filter)).toBe(false);
  });
});
