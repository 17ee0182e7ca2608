import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshStatistics } from "../../../src/core/db/statistics/refresh.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { makeUser } from "../../support/fake-user.js";
import { archiveSignedEvents } from "../../support/network-history.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { A, B, fillApiDatabase, NOW } from "./dataset.js";

let db: TestDatabase;
let api: TestApi;
let ids: string[];
const enc = encodeURIComponent;
type Ev = {
  id: string;
  created_at: number;
  kind: number;
  pubkey: string;
  tags: string[][];
  sig?: string;
  relays: string[];
};
const idsOf = (body: { events: Ev[] }) => body.events.map((e) => e.id);

beforeAll(async () => {
  db = await createTestDatabase();
  ids = (await fillApiDatabase(db.pool)).eventIds;
  api = await startTestApi(db.pool, {}, { now: NOW });
}, 120_000);
afterAll(async () => {
  await api.close();
  await db.drop();
});

/** The dataset's events (fillApiDatabase: i = 0..29), newest first. */
const newestFirst = () => [...ids].reverse();

describe("GET /v1/events", () => {
  it("returns archived events newest first, with the relays each was seen on", async () => {
    const r = await api.get("/v1/events?limit=100");
    expect(r.status).toBe(200);
    expect(idsOf(r.body)).toEqual(newestFirst());
    const first = r.body.events.at(-1) as Ev;
    expect(first.relays).toEqual([A, B]);
    expect(r.body.events[0].relays).toEqual([A]);
    expect(first).toMatchObject({
      kind: 7,
      tags: [
        ["t", "nostr"],
        ["e", "ab".repeat(32)],
      ],
    });
    expect(typeof first.sig).toBe("string");
    expect(r.body.next).toBeNull();
  });

  it("filters by ids, authors, kinds, #tags, since and until (AND of them)", async () => {
    const carol = (await makeUser("carol")).pubkey;
    const cases: [string, (i: number) => boolean][] = [
      [`ids=${ids[3]},${ids[4]}`, (i) => i === 3 || i === 4],
      [`authors=${carol}`, (i) => i % 3 === 0],
      ["kinds=7", (i) => i % 5 === 0],
      ["kinds=1&kinds=7", () => true],
      [`${enc("#t")}=bitcoin`, (i) => i % 2 === 1],
      [`${enc("#t")}=bitcoin,nostr`, () => true],
      [`${enc("#t")}=nostr&${enc("#e")}=${"ab".repeat(32)}`, (i) => i % 2 === 0],
      [`${enc("#e")}=${"cd".repeat(32)}`, () => false],
      [`since=${NOW - 100_000 + 2500}`, (i) => i >= 25],
      [`until=${NOW - 100_000 + 200}`, (i) => i <= 2],
      [
        `authors=${carol}&kinds=7&${enc("#t")}=nostr`,
        (i) => i % 3 === 0 && i % 5 === 0 && i % 2 === 0,
      ],
    ];
    for (const [query, keep] of cases) {
      const r = await api.get(`/v1/events?limit=100&${query}`);
      expect(r.status, `${query}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(idsOf(r.body), query).toEqual(newestFirst().filter((id) => keep(ids.indexOf(id))));
    }
  });

  it("pages with cursors that never skip or repeat, events archived between pages", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await api.get(`/v1/events?limit=7${cursor ? `&cursor=${enc(cursor)}` : ""}`);
      expect(r.status).toBe(200);
      seen.push(...idsOf(r.body));
      cursor = r.body.next;
      pages += 1;
      if (pages === 1) {
        // A newer event (before the cursor: not in later pages) and one of the same second as
        // the cursor's event but a larger id... whichever side it lands on, no repeat.
        await archiveSignedEvents(db.pool, [
          { author: "erin", created_at: NOW, relays: [A] },
          { author: "erin", created_at: NOW - 200_000, relays: [B] },
        ]);
      }
    } while (cursor !== null && pages < 20);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    // The old one lies after the cursor: it shows up on a later page; the new one does not.
    expect(seen).toHaveLength(31);
  });

  it("refuses bad filters with 400 naming the path", async () => {
    const cases: [string, string][] = [
      ["ids=xyz", "query.ids[0]"],
      [`authors=${"A".repeat(64)}`, "query.authors[0]"],
      ["kinds=70000", "query.kinds[0]"],
      ["kinds=1,x", "query.kinds[1]"],
      ["limit=0", "query.limit"],
      ["limit=501", "query.limit"],
      ["since=-1", "query.since"],
      [`${enc("#tt")}=x`, "query.#tt"],
      [
        `ids=${Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(64, "0")).join(",")}`,
        "query.ids",
      ],
      [`${enc("#a")}=1&${enc("#b")}=1&${enc("#c")}=1&${enc("#d")}=1`, "query.#"],
      ["cursor=W10", "query.cursor"],
    ];
    for (const [query, path] of cases) {
      const r = await api.get(`/v1/events?${query}`);
      expect(r.status, query).toBe(400);
      expect(
        r.body.error.issues.map((i: { path: string }) => i.path),
        query,
      ).toContain(path);
    }
  });
});

describe("GET /v1/events/{id}", () => {
  it("returns one event with its relays, 404 when not archived, 400 for a bad id", async () => {
    const r = await api.get(`/v1/events/${ids[0]}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: ids[0], relays: [A, B] });
    expect(r.headers.get("cache-control")).toBe("public, max-age=86400");
    const missing = await api.get(`/v1/events/${"0".repeat(64)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    const bad = await api.get("/v1/events/zz");
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe("param.id");
  });
});

describe("a lilbrotr archive", () => {
  it("serves its events without the tags, content and signature it does not keep", async () => {
    const lil = await createTestDatabase({ profile: "lilbrotr" });
    const other = await startTestApi(lil.pool);
    try {
      const [event] = await archiveSignedEvents(
        lil.pool,
        [{ author: "frank", relays: [A], tags: [["t", "x"]] }],
        {
          profile: "lilbrotr",
        },
      );
      const r = await other.get(`/v1/events?${enc("#t")}=x`);
      expect(r.status).toBe(200);
      expect(r.body.events).toEqual([
        {
          id: event?.id,
          pubkey: event?.pubkey,
          created_at: event?.created_at,
          kind: 1,
          relays: [A],
        },
      ]);
    } finally {
      await other.close();
      await lil.drop();
    }
  });
});

describe("GET /v1/stats", () => {
  it("serves the statistics views and the relays by status and country", async () => {
    const r = await api.get("/v1/stats");
    expect(r.status).toBe(200);
    expect(r.body.events).toMatchObject({ event_count: 30, unique_pubkeys: 2 });
    expect(r.body.kinds).toEqual([
      { kind: 1, events: 24, pubkeys: 2, category: "regular" },
      { kind: 7, events: 6, pubkeys: 2, category: "regular" },
    ]);
    expect(r.body.software).toContainEqual({
      software: "nostr-rs-relay",
      version: "0.9.0",
      relays: 1,
    });
    expect(r.body.nips).toContainEqual({ nip: 42, relays: 2 });
    expect(r.body.networks).toContainEqual(expect.objectContaining({ network: "tor", relays: 1 }));
    expect(r.body.daily.length).toBeGreaterThan(0);
    expect(r.body.relays).toEqual({ total: 6, up: 3, down: 1, unknown: 2 });
    expect(r.body.countries).toEqual([
      { country: "US", relays: 2, up: 1 },
      { country: "DE", relays: 1, up: 1 },
    ]);
    expect(r.body.attribution).toContain("DB-IP");
    expect(r.headers.get("cache-control")).toBe("public, max-age=300");
  });

  it("reads the views once per relay snapshot: a refresh shows after the snapshot's seconds", async () => {
    const own = await createTestDatabase();
    await fillApiDatabase(own.pool);
    const kept = await startTestApi(
      own.pool,
      { cache: { relay_snapshot_seconds: 3600 } },
      { now: NOW },
    );
    const fresh = await startTestApi(own.pool, {}, { now: NOW });
    // Counts the reads of one of the views (each read of the statistics reads it once).
    let reads = 0;
    const query = own.pool.query.bind(own.pool);
    own.pool.query = ((...args: unknown[]) => {
      const text = (args[0] as { text?: string }).text ?? args[0];
      if (typeof text === "string" && text.includes("FROM kind_counts")) reads += 1;
      return (query as (...a: unknown[]) => unknown)(...args);
    }) as typeof own.pool.query;
    try {
      const first = await kept.get("/v1/stats");
      expect(first.body.events).toMatchObject({ event_count: 30 });
      await kept.get("/v1/stats");
      expect(reads).toBe(1);
      await archiveSignedEvents(own.pool, [{ author: "frank", created_at: NOW - 10, relays: [A] }]);
      await refreshStatistics(own.pool, { now: NOW });
      const again = await kept.get("/v1/stats");
      expect(again.body.events).toMatchObject({ event_count: 30 });
      expect(again.headers.get("etag")).toBe(first.headers.get("etag"));
      // Without a kept snapshot (0 s) every request reads them.
      expect((await fresh.get("/v1/stats")).body.events).toMatchObject({ event_count: 31 });
    } finally {
      await kept.close();
      await fresh.close();
      await own.drop();
    }
  });

  it("reads as empty, not failing, before the views were ever refreshed", async () => {
    const fresh = await createTestDatabase();
    const other = await startTestApi(fresh.pool);
    try {
      const r = await other.get("/v1/stats");
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ events: null, kinds: [], daily: [], relays: { total: 0 } });
    } finally {
      await other.close();
      await fresh.drop();
    }
  });
});
