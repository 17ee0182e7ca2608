import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ArchiveItem, archiveEvents } from "../../../../src/core/db/archive.js";
import { DataIntegrityError } from "../../../../src/core/db/errors.js";
import {
  type ArchivedEvent,
  type EventCursor,
  type EventQuery,
  readEventPage,
} from "../../../../src/core/db/read/events.js";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { fakeEvent, fakeEvents } from "../helpers.js";

const A = "wss://a.example.com";
const B = "wss://b.example.com";
const C = "wss://c.example.com";
const KINDS = [1, 7, 30023];

/** 30 events on three timestamps (ties broken by id), three kinds, seen on 1 to 3 relays. */
function dataset(): { event: NostrEvent; relays: string[] }[] {
  return Array.from({ length: 30 }, (_, i) => ({
    event: fakeEvent(`read-${i}`, {
      created_at: 1_700_000_000 + (i % 3),
      kind: KINDS[i % 4 === 0 ? 0 : i % 3] as number,
      tags: i % 5 === 0 ? [] : [["t", `n${i}`]],
      content: i % 6 === 0 ? 'quote " tab\t 日本 🤙' : `event ${i}`,
    }),
    relays: [C, ...(i % 2 === 0 ? [A] : []), ...(i % 3 === 0 ? [B] : [])].sort(),
  }));
}

const byKey = (a: NostrEvent, b: NostrEvent) =>
  a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function readAll(db: TestDatabase, query: EventQuery, limit: number, withRelays = false) {
  const out: ArchivedEvent[] = [];
  const pages: number[] = [];
  let after: EventCursor | undefined;
  for (;;) {
    const page = await readEventPage(db.pool, query, {
      limit,
      withRelays,
      ...(after ? { after } : {}),
    });
    out.push(...page.events);
    pages.push(page.events.length);
    if (page.next === null) return { events: out, pages };
    after = page.next;
  }
}

describe("readEventPage", () => {
  let db: TestDatabase;
  const data = dataset();
  const sorted = data.map((d) => d.event).sort(byKey);
  const ids = (events: NostrEvent[]) => events.map((e) => e.id);
  const expectIds = (keep: (d: (typeof data)[number]) => boolean) =>
    ids(
      data
        .filter(keep)
        .map((d) => d.event)
        .sort(byKey),
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    const items: ArchiveItem[] = data.flatMap((d, i) =>
      d.relays.map((relayUrl) => ({
        event: d.event,
        relayUrl,
        network: "clearnet" as const,
        seenAt: 1_750_000_000 + i,
      })),
    );
    await archiveEvents(db.pool, items, { profile: "bigbrotr" });
  });
  afterAll(async () => {
    await db.drop();
  });

  it("walks every event once, oldest first with ties by id, whatever the page size", async () => {
    for (const limit of [1, 4, 7, 30, 1000]) {
      const { events, pages } = await readAll(db, {}, limit);
      expect(ids(events.map((e) => e.event)), `limit ${limit}`).toEqual(ids(sorted));
      expect(pages.slice(0, -1).every((n) => n === limit)).toBe(true);
    }
  });

  it("returns the events exactly as they were stored", async () => {
    const { events } = await readAll(db, {}, 50);
    expect(events.map((e) => e.event)).toEqual(sorted);
    expect(events[0]).not.toHaveProperty("relays");
  });

  it("filters by since, until, kinds and relay, alone and together", async () => {
    const t0 = 1_700_000_000;
    const cases: [EventQuery, (d: (typeof data)[number]) => boolean][] = [
      [{ since: t0 + 1 }, (d) => d.event.created_at >= t0 + 1],
      [{ until: t0 + 1 }, (d) => d.event.created_at <= t0 + 1],
      [{ since: t0 + 1, until: t0 + 1 }, (d) => d.event.created_at === t0 + 1],
      [{ kinds: [7, 30023] }, (d) => d.event.kind !== 1],
      [{ kinds: [] }, () => false],
      [{ relayUrl: A }, (d) => d.relays.includes(A)],
      [{ relayUrl: B }, (d) => d.relays.includes(B)],
      [{ relayUrl: "wss://unknown.example.com" }, () => false],
      [
        { since: t0 + 1, kinds: [1], relayUrl: B },
        (d) => d.event.created_at >= t0 + 1 && d.event.kind === 1 && d.relays.includes(B),
      ],
    ];
    for (const [query, keep] of cases) {
      const expected = expectIds(keep);
      const { events } = await readAll(db, query, 4);
      expect(ids(events.map((e) => e.event)), JSON.stringify(query)).toEqual(expected);
    }
    expect(expectIds((d) => d.relays.includes(B)).length).toBeGreaterThan(0);
  });

  it("lists the relays of each event in URL order when asked", async () => {
    const { events } = await readAll(db, {}, 8, true);
    const relaysOf = new Map(data.map((d) => [d.event.id, d.relays]));
    for (const e of events) expect(e.relays).toEqual(relaysOf.get(e.event.id));
  });

  it("refuses to rebuild events from a lilbrotr archive", async () => {
    const lil = await createTestDatabase({ profile: "lilbrotr" });
    try {
      const ev = fakeEvent("lil-read");
      await archiveEvents(lil.pool, [{ event: ev, relayUrl: A, network: "clearnet", seenAt: 1 }], {
        profile: "lilbrotr",
      });
      await expect(readEventPage(lil.pool, {}, { limit: 10 })).rejects.toThrow(DataIntegrityError);
    } finally {
      await lil.drop();
    }
  });
});

/** The statement readEventPage sends, captured instead of run, to EXPLAIN it. */
async function pageStatement(query: EventQuery, after: EventCursor, limit: number) {
  let captured: { text: string; params: unknown[] } | undefined;
  const recorder = {
    query: async (text: string, params: unknown[]) => {
      captured = { text, params };
      return { rows: [] };
    },
  };
  await readEventPage(recorder as never, query, { after, limit });
  return captured as { text: string; params: unknown[] };
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

function scansOfEvent(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  if (node["Relation Name"]?.startsWith("event_p")) out.push(node);
  for (const child of node.Plans ?? []) scansOfEvent(child, out);
  return out;
}

describe("readEventPage plan", () => {
  let db: TestDatabase;
  const events = fakeEvents("plan-", 20_000).map((e, i) => ({
    ...e,
    created_at: 1_600_000_000 + i * 3,
    kind: [1, 7, 0][i % 3] as number,
  }));
  beforeAll(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < events.length; i += 5000) {
      const items = events.slice(i, i + 5000).map((event) => ({
        event,
        relayUrl: A,
        network: "clearnet" as const,
        seenAt: 1,
      }));
      await archiveEvents(db.pool, items, { profile: "bigbrotr" });
    }
    await db.pool.query("VACUUM ANALYZE");
  }, 120_000);
  afterAll(async () => {
    await db.drop();
  });

  it("reads only the page from the (created_at, id) index, wherever the cursor is", async () => {
    const limit = 100;
    for (const at of [10, 10_000, 19_800]) {
      const mid = events[at] as NostrEvent;
      for (const query of [{}, { since: 1_600_000_000, kinds: [1, 7] }]) {
        const { text, params } = await pageStatement(
          query,
          { createdAt: mid.created_at, id: mid.id },
          limit,
        );
        const { rows } = await db.pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, params);
        const plan = rows[0]["QUERY PLAN"][0].Plan as PlanNode;
        const scans = scansOfEvent(plan);
        expect(scans.length).toBeGreaterThan(0);
        for (const scan of scans) expect(scan["Index Name"]).toMatch(/created_at_id_idx$/);
        // Rows the scans produced or filtered out: about one page (kinds skip every third
        // row), never the events before the cursor.
        const read = scans.reduce(
          (n, s) => n + (s["Actual Rows"] + (s["Rows Removed by Filter"] ?? 0)) * s["Actual Loops"],
          0,
        );
        expect(read, JSON.stringify({ at, query })).toBeLessThanOrEqual(2 * limit + scans.length);
      }
    }
  });
});
