/**
 * findEvents against a recount in plain code: random filters (ids, authors, kinds, one to
 * three tag conditions of several values, since/until) read page by page, on an archive where
 * many events share a second (pages end inside a second, where the id decides), in both
 * profiles; and the ordered tag index kept equal to the events' tagvalues through the write
 * paths, deletes and TRUNCATE.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EventFilter,
  type FoundEvent,
  findEvents,
  type NewestCursor,
} from "../../../../src/core/db/api/event-filter.js";
import { type ArchiveItem, archiveEvents } from "../../../../src/core/db/archive.js";
import { insertEvents } from "../../../../src/core/db/events.js";
import type { Profile } from "../../../../src/core/db/migrate.js";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { fakeEvent, hex } from "../helpers.js";

const T0 = 1_700_000_000;
const AUTHORS = Array.from({ length: 6 }, (_, i) => hex(`author${i}`));
const TOPICS = ["a", "b", "c", "d"];

/** 600 events over 60 seconds (ten a second), tags drawn from small sets. */
function archive(): NostrEvent[] {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  return Array.from({ length: 600 }, (_, i) =>
    fakeEvent(`f${i}`, {
      pubkey: AUTHORS[rnd(6)] as string,
      kind: [1, 1, 7, 0, 3][rnd(5)] as number,
      created_at: T0 + Math.floor(i / 10),
      tags: [
        ["t", TOPICS[rnd(4)] as string],
        ["t", TOPICS[rnd(4)] as string],
        ["p", AUTHORS[rnd(6)] as string],
        ...(rnd(3) === 0 ? [["e", hex(`note${rnd(5)}`)]] : []),
      ],
    }),
  );
}

function matches(e: NostrEvent, f: EventFilter): boolean {
  const values = new Set(e.tags.map((t) => `${t[0]}:${t[1]}`));
  return (
    (f.ids === undefined || f.ids.includes(e.id)) &&
    (f.authors === undefined || f.authors.includes(e.pubkey)) &&
    (f.kinds === undefined || f.kinds.includes(e.kind)) &&
    (f.tags ?? []).every((t) => t.values.some((v) => values.has(`${t.name}:${v}`))) &&
    (f.since === undefined || e.created_at >= f.since) &&
    (f.until === undefined || e.created_at <= f.until)
  );
}

const newestFirst = (a: NostrEvent, b: NostrEvent) =>
  b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** A random filter of one to four conditions. */
function randomFilter(events: readonly NostrEvent[], rnd: () => number): EventFilter {
  const some = <T>(list: readonly T[], n: number) =>
    Array.from(
      { length: 1 + Math.floor(rnd() * n) },
      () => list[Math.floor(rnd() * list.length)] as T,
    );
  const f: EventFilter = {};
  const take = () => rnd() < 0.4;
  if (rnd() < 0.1) f.ids = some(events, 8).map((e) => e.id);
  if (take()) f.authors = some(AUTHORS, 3);
  if (take()) f.kinds = some([1, 7, 0, 3, 30023], 2);
  const tags: { name: string; values: string[] }[] = [];
  if (take()) tags.push({ name: "t", values: some(TOPICS, 2) });
  if (take()) tags.push({ name: "p", values: some(AUTHORS, 2) });
  if (rnd() < 0.2) tags.push({ name: "e", values: [hex(`note${Math.floor(rnd() * 5)}`)] });
  if (tags.length > 0) f.tags = tags;
  if (rnd() < 0.3) f.since = T0 + Math.floor(rnd() * 40);
  if (rnd() < 0.3) f.until = T0 + 20 + Math.floor(rnd() * 40);
  return f;
}

async function allPages(db: TestDatabase, filter: EventFilter, limit: number) {
  const out: FoundEvent[] = [];
  let before: NewestCursor | undefined;
  for (let pages = 0; pages < 700; pages++) {
    const page = await findEvents(db.pool, filter, { ...(before ? { before } : {}), limit });
    out.push(...page.events);
    if (page.next === null) break;
    before = page.next;
  }
  return out;
}

async function fill(profile: Profile): Promise<{ db: TestDatabase; events: NostrEvent[] }> {
  const db = await createTestDatabase({ profile });
  const events = archive();
  const items: ArchiveItem[] = events.map((event, i) => ({
    event,
    relayUrl: `wss://r${i % 3}.example`,
    network: "clearnet",
    seenAt: event.created_at + 1,
  }));
  // The COPY path for the first half, one unnest statement for the rest.
  await archiveEvents(db.pool, items.slice(0, 300), { profile, eventCopyThreshold: 0 });
  await archiveEvents(db.pool, items.slice(300), { profile, eventCopyThreshold: Infinity });
  await db.pool.query("ANALYZE");
  return { db, events };
}

/** event_tag rows that no event's tagvalues account for, and entries missing from it. */
async function tagIndexDrift(db: TestDatabase): Promise<{ extra: number; missing: number }> {
  const { rows } = await db.pool.query<{ extra: number; missing: number }>(`
    WITH want AS (SELECT DISTINCT hashtextextended(v, 0) AS tag, e.created_at, e.id AS event_id
                  FROM event e CROSS JOIN unnest(e.tagvalues) AS v)
    SELECT (SELECT count(*) FROM (TABLE event_tag EXCEPT TABLE want) x)::int AS extra,
           (SELECT count(*) FROM (TABLE want EXCEPT TABLE event_tag) x)::int AS missing`);
  return rows[0] as { extra: number; missing: number };
}

describe.each(["bigbrotr", "lilbrotr"] as const)("findEvents on a %s archive", (profile) => {
  let db: TestDatabase;
  let events: NostrEvent[];
  beforeAll(async () => {
    ({ db, events } = await fill(profile));
  }, 60_000);
  afterAll(async () => {
    await db.drop();
  });

  it("returns exactly the matching events, newest first, across pages of any size", async () => {
    let seed = 11;
    const rnd = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    for (let i = 0; i < 60; i++) {
      const filter = randomFilter(events, rnd);
      const limit = [1, 7, 50][i % 3] as number;
      const want = events.filter((e) => matches(e, filter)).sort(newestFirst);
      const got = await allPages(db, filter, limit);
      expect(
        got.map((e) => e.id),
        JSON.stringify({ filter, limit }),
      ).toEqual(want.map((e) => e.id));
    }
  });

  it("keeps one ordered tag row per tagvalues entry", async () => {
    expect(await tagIndexDrift(db)).toEqual({ extra: 0, missing: 0 });
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM event_tag");
    expect(rows[0].n).toBeGreaterThan(events.length * 2);
  });
});

describe("the ordered tag index", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("checks the events it points at: a row of another event never answers", async () => {
    const [mine, other] = [fakeEvent("mine"), fakeEvent("other", { tags: [["t", "y"]] })];
    await insertEvents(db.pool, [mine, other], { profile: "bigbrotr" });
    // As a second value with the same hash would: a row for t:x pointing at an event without it.
    await db.pool.query(
      `INSERT INTO event_tag (tag, created_at, event_id)
       VALUES (hashtextextended('t:nostr', 0), $1, decode($2, 'hex'))`,
      [other.created_at, other.id],
    );
    const page = await findEvents(
      db.pool,
      { tags: [{ name: "t", values: ["nostr"] }] },
      { limit: 10 },
    );
    expect(page.events.map((e) => e.id)).toEqual([mine.id]);
    await db.pool.query("TRUNCATE event");
  });

  it("loses the rows of deleted events, and all of them with TRUNCATE", async () => {
    const batch = Array.from({ length: 40 }, (_, i) => fakeEvent(`gone${i}`));
    await insertEvents(db.pool, batch, { profile: "bigbrotr", copyThreshold: 0 });
    expect(await tagIndexDrift(db)).toEqual({ extra: 0, missing: 0 });
    await db.pool.query("DELETE FROM event WHERE created_at % 2 = 0");
    expect(await tagIndexDrift(db)).toEqual({ extra: 0, missing: 0 });
    await db.pool.query("TRUNCATE event");
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM event_tag");
    expect(rows[0].n).toBe(0);
  });
});
