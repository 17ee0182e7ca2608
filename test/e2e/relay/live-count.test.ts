/**
 * `bigbrotr relay` after EOSE and beyond REQ: events archived after a REQ reach it live (each
 * once, only the matching ones), COUNT is exact over several filters, connections per address
 * are limited, and a lilbrotr archive answers COUNT but refuses REQ, saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createPool } from "../../../src/core/db/pool.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { type Filter, matchFilters } from "../../../src/models/filter.js";
import {
  decodeHll,
  encodeHll,
  estimateHll,
  HLL_STANDARD_ERROR,
  hllOffset,
  registersOf,
} from "../../../src/nips/nip45/index.js";
import type { RunningRelay } from "../../../src/services/relay/service.js";
import { generateEvents, makeUser } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { archive, RawClient, startTestRelay } from "../../support/relay-archive.js";
import { createTestContext, type TestContext } from "../../support/service-context.js";

let db: TestDatabase;
let tc: TestContext;
let relay: RunningRelay;
let events: NostrEvent[];
/** Every event archived so far (the live tests add some). */
const archived = new Map<string, NostrEvent>();

async function store(list: readonly NostrEvent[]) {
  await archive(db.pool, list);
  for (const e of list) archived.set(e.id, e);
}

beforeAll(async () => {
  db = await createTestDatabase();
  tc = createTestContext(db.pool, { service: "relay" });
  events = await generateEvents({ count: 300, seed: 11, users: 6 });
  await store(events);
  relay = await startTestRelay(tc, { config: { limits: { max_connections_per_ip: 3 } } });
});

afterAll(async () => {
  await relay?.close();
  await db?.drop();
});

const liveIds = (c: RawClient, subId: string, after: number) =>
  c.frames
    .slice(after)
    .filter((f) => f[0] === "EVENT" && f[1] === subId)
    .map((f) => (f[2] as NostrEvent).id);

describe("live", () => {
  it("sends events archived after EOSE that match, each once, and no others", async () => {
    const c = await RawClient.open(relay.url);
    const filter: Filter = { kinds: [1, 7] };
    await c.req("live", filter);
    const eose = c.frames.findIndex((f) => f[0] === "EOSE" && f[1] === "live");
    const fresh = await generateEvents({
      count: 400,
      seed: 12,
      users: 3,
      startTime: 1_800_000_000,
    });
    const matching = fresh.filter((e) => matchFilters([filter], e)).map((e) => e.id);
    expect(matching.length).toBeGreaterThan(0);
    // The second batch announces more new ids than one NOTIFY payload holds (120).
    await store(fresh.slice(0, 30));
    await store([...fresh.slice(20), ...events.slice(0, 10)]); // some again
    await c.next(() => new Set(liveIds(c, "live", eose)).size >= matching.length);
    await relay.runtime.live.idle();
    const sent = liveIds(c, "live", eose);
    expect(sent.sort()).toEqual([...matching].sort());
    expect(await tc.metric("brotr_relay_events_sent_total", { phase: "live" })).toBe(
      matching.length,
    );
    c.close();
  });

  it("sends nothing more to a closed subscription", async () => {
    const c = await RawClient.open(relay.url);
    await c.req("gone", { kinds: [1] });
    await c.req("kept", { kinds: [1] });
    c.send(["CLOSE", "gone"]);
    const start = c.frames.length;
    const fresh = await generateEvents({
      count: 20,
      seed: 13,
      kinds: [1],
      startTime: 1_800_100_000,
    });
    await store(fresh);
    await c.next(() => liveIds(c, "kept", start).length === fresh.length);
    expect(liveIds(c, "gone", start)).toEqual([]);
    c.close();
  });
});

describe("a reader too slow for its live events", () => {
  it("has its subscription cut once max_buffered_bytes are waiting, and counted", async () => {
    const r = await startTestRelay(tc, { config: { limits: { max_buffered_bytes: 65_536 } } });
    const c = await RawClient.open(r.url);
    await c.req("slow", { kinds: [30023] });
    // The client stops reading: what the relay sends piles up in the socket, then in ws.
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const user = await makeUser("slow reader");
    const big = "x".repeat(60_000);
    let batch = 0;
    const refusals = () => tc.metric("brotr_relay_refusals_total", { reason: "slow_reader" });
    while ((await refusals()) === undefined && batch < 50) {
      const events = Array.from({ length: 20 }, (_, i) =>
        user.withFakeSig(
          {
            kind: 30023,
            created_at: 1_900_000_000 + batch,
            tags: [["d", `${batch}-${i}`]],
            content: big,
          },
          "ab".repeat(64),
        ),
      );
      await store(events);
      await r.runtime.live.idle();
      batch++;
    }
    expect(await refusals()).toBe(1);
    c.ws.terminate();
    await r.close();
  });
});

describe("COUNT", () => {
  const count = async (c: RawClient, subId: string, filters: Filter[]) => {
    c.send(["COUNT", subId, ...filters]);
    return c.next((f) => (f[0] === "COUNT" || f[0] === "CLOSED") && f[1] === subId);
  };

  it("counts exactly, each event once across filters", async () => {
    const c = await RawClient.open(relay.url);
    expect((await count(c, "all", [{}]))[2]).toEqual({ count: archived.size });
    const author = (events[3] as NostrEvent).pubkey;
    const filters: Filter[][] = [
      [{ kinds: [1] }],
      [{ authors: [author] }, { kinds: [1] }],
      [{ authors: [author], kinds: [0, 1, 3] }],
      [{ "#p": [(events.flatMap((e) => e.tags).find((t) => t[0] === "p") ?? [])[1] as string] }],
      [{ ids: events.slice(0, 9).map((e) => e.id) }, { ids: events.slice(5, 12).map((e) => e.id) }],
      [
        {
          since: (events[100] as NostrEvent).created_at,
          until: (events[200] as NostrEvent).created_at,
        },
      ],
    ];
    for (const [i, f] of filters.entries()) {
      const matching = [...archived.values()].filter((e) => matchFilters(f, e));
      const answer = (await count(c, `n${i}`, f))[2] as { count: number; hll?: string };
      expect(answer.count, JSON.stringify(f)).toBe(matching.length);
      // A single filter with a tag condition also gets the hll of its authors (NIP-45).
      const offset = f.length === 1 ? hllOffset(f[0] as Filter) : null;
      expect("hll" in answer, JSON.stringify(f)).toBe(offset !== null && matching.length > 0);
      if (offset === null || answer.hll === undefined) continue;
      const authors = new Set(matching.map((e) => e.pubkey));
      expect(answer.hll).toBe(encodeHll(registersOf(authors, offset)));
    }
    c.close();
  });

  it("answers a follower count with an hll whose estimate is within its error of the authors", async () => {
    const target = (await makeUser(77)).pubkey;
    const followers = await Promise.all(Array.from({ length: 400 }, (_, i) => makeUser(1000 + i)));
    const lists = followers.map((u, i) =>
      u.sign({ kind: 3, created_at: 1_700_000_000 + i, tags: [["p", target]], content: "" }),
    );
    await store(lists);
    const c = await RawClient.open(relay.url);
    const answer = (await count(c, "followers", [{ "#p": [target], kinds: [3] }]))[2] as {
      count: number;
      hll: string;
    };
    expect(answer.count).toBe(400);
    const decoded = decodeHll(answer.hll);
    if (!decoded.ok) throw new Error(decoded.reason);
    const estimate = estimateHll(decoded.registers).estimate;
    expect(Math.abs(estimate - 400) / 400).toBeLessThan(3 * HLL_STANDARD_ERROR);
    // Two filters: no hll (the NIP defines it for one filter).
    const two = (await count(c, "two", [{ "#p": [target] }, { kinds: [3] }]))[2];
    expect(two).not.toHaveProperty("hll");
    c.close();
  });
});

describe("limits", () => {
  it("refuses a connection past max_connections_per_ip with HTTP 429", async () => {
    // The earlier tests' connections are closed on the server's side too.
    await expect.poll(() => tc.metric("brotr_relay_connections")).toBe(0);
    const open = await Promise.all([1, 2, 3].map(() => RawClient.open(relay.url)));
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(relay.url);
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("error", () => {});
    });
    expect(refused).toBe(429);
    expect(await tc.metric("brotr_relay_refusals_total", { reason: "connections_per_ip" })).toBe(1);
    for (const c of open) c.close();
  });
});

describe("statement timeout", () => {
  it("answers a query cut by the statement timeout with CLOSED error, and counts it", async () => {
    const pool = createPool({ url: db.url, max: 3, statementTimeoutMs: 300 });
    const ttc = createTestContext(pool, { service: "relay" });
    const r = await startTestRelay(ttc);
    const c = await RawClient.open(r.url);
    // A lock held elsewhere makes the query wait past its timeout, whatever the machine's speed.
    const locker = await db.pool.connect();
    await locker.query("BEGIN; LOCK TABLE event IN ACCESS EXCLUSIVE MODE");
    try {
      c.send(["COUNT", "slow", {}]);
      const answer = await c.next((f) => f[1] === "slow");
      expect(answer[0]).toBe("CLOSED");
      expect(String(answer[2])).toMatch(/^error: .*statement timeout/);
      expect((await c.req("slow2", { kinds: [1] })).closed).toMatch(/statement timeout/);
    } finally {
      await locker.query("ROLLBACK");
      locker.release();
    }
    expect(await ttc.metric("brotr_relay_refusals_total", { reason: "timeout" })).toBe(2);
    expect((await c.req("fast", { kinds: [1], limit: 1 })).ids).toHaveLength(1);
    c.close();
    await r.close();
    await pool.end();
  });
});

describe("lilbrotr", () => {
  it("answers COUNT from what it keeps and refuses REQ saying so", async () => {
    const lil = await createTestDatabase({ profile: "lilbrotr" });
    const ltc = createTestContext(lil.pool, { service: "relay" });
    await archive(lil.pool, events, "lilbrotr");
    const r = await startTestRelay(ltc, { profile: "lilbrotr" });
    const c = await RawClient.open(r.url);
    expect((await c.req("r", { kinds: [1] })).closed).toMatch(/^blocked: .*lilbrotr.*COUNT/);
    c.send(["COUNT", "n", { kinds: [1] }]);
    const expected = events.filter((e) => e.kind === 1).length;
    expect(await c.next((f) => f[0] === "COUNT")).toEqual(["COUNT", "n", { count: expected }]);
    const http = r.url.replace("ws://", "http://");
    const doc = await (await fetch(http, { headers: { accept: "application/nostr+json" } })).json();
    expect((doc as { description: string }).description).toMatch(/lilbrotr/);
    c.close();
    await r.close();
    await lil.drop();
  });
});
