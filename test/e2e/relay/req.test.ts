/**
 * `bigbrotr relay` answering REQ from a real archive on PostgreSQL: every filter field, several
 * filters, limit and NIP-01 order (newest first, ties by lowest id) against the same filters
 * run in memory; EOSE; EVENT refused; CLOSE; the limits; NIP-11. Independent clients:
 * nostr-tools' SimplePool and nostr-fetch's fetchAllEvents (100 % of ids).
 */
import { SimplePool, useWebSocketImplementation } from "nostr-tools/pool";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { fetchAllIds } from "../../../bench/support/nostr-fetch.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { createPool } from "../../../src/core/db/pool.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { type Filter, matchFilters } from "../../../src/models/filter.js";
import { relayConfigSchema } from "../../../src/services/relay/config.js";
import {
  createRelayService,
  RELAY_SESSION_SETTINGS,
  type RunningRelay,
} from "../../../src/services/relay/service.js";
import { generateEvents } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import {
  archive,
  expectedReq,
  nip01Sorted,
  RawClient,
  startTestRelay,
} from "../../support/relay-archive.js";
import { createTestContext, type TestContext } from "../../support/service-context.js";

useWebSocketImplementation(WebSocket);

let db: TestDatabase;
let tc: TestContext;
let relay: RunningRelay;
let events: NostrEvent[];
let client: RawClient;
const MAX = 5000;

beforeAll(async () => {
  db = await createTestDatabase();
  tc = createTestContext(db.pool, { service: "relay" });
  // Many events in the same second, so ties are decided by id.
  events = await generateEvents({ count: 400, seed: 7, users: 8, sameSecondShare: 0.4 });
  await archive(db.pool, events);
  relay = await startTestRelay(tc);
  client = await RawClient.open(relay.url);
});

afterAll(async () => {
  client?.close();
  await relay?.close();
  await db?.drop();
});

const some = <T>(list: readonly T[], n: number, step = 7) =>
  Array.from({ length: n }, (_, i) => list[(i * step) % list.length] as T);

function tagValue(name: string): string {
  const tag = events.flatMap((e) => e.tags).find((t) => t[0] === name && t[1] !== undefined);
  if (tag === undefined) throw new Error(`no #${name} tag in the test data`);
  return tag[1] as string;
}

describe("REQ", () => {
  const cases: [string, () => Filter[]][] = [
    ["no condition, limit 10", () => [{ limit: 10 }]],
    ["no condition (the archive, up to max_limit)", () => [{}]],
    ["ids", () => [{ ids: some(events, 5).map((e) => e.id) }]],
    ["ids and a limit below them", () => [{ ids: some(events, 9).map((e) => e.id), limit: 3 }]],
    ["authors", () => [{ authors: some(events, 2).map((e) => e.pubkey), limit: 25 }]],
    ["authors and kinds", () => [{ authors: some(events, 3).map((e) => e.pubkey), kinds: [1, 7] }]],
    ["kinds", () => [{ kinds: [1], limit: 30 }]],
    ["#p", () => [{ "#p": [tagValue("p")] }]],
    ["#e and kinds", () => [{ "#e": [tagValue("e")], kinds: [1, 6, 7] }]],
    [
      "since and until",
      () => {
        const times = nip01Sorted(events).map((e) => e.created_at);
        return [{ since: times[300] as number, until: times[100] as number }];
      },
    ],
    [
      "until with a limit cutting a second",
      () => [{ until: (events[200] as NostrEvent).created_at, limit: 13 }],
    ],
    [
      "several filters, overlapping",
      () => [{ kinds: [1], limit: 5 }, { limit: 8 }, { kinds: [0] }],
    ],
    ["an empty list matches nothing", () => [{ ids: [] }]],
  ];
  it.each(cases)("%s: the stored events in NIP-01 order, then EOSE", async (name, filters) => {
    const f = filters();
    const got = await client.req(`q-${name}`, ...f);
    expect(got.closed).toBeUndefined();
    expect(got.ids).toEqual(expectedReq(events, f, MAX));
  });

  it("gives the same answers on connections planning generically, as the relay's own do", async () => {
    // One connection for the queries, one for the live feed's LISTEN.
    const pool = createPool({ url: db.url, max: 2, sessionSettings: RELAY_SESSION_SETTINGS });
    const shown = await pool.query<{ plan_cache_mode: string }>("SHOW plan_cache_mode");
    expect(shown.rows[0]?.plan_cache_mode).toBe("force_generic_plan");
    const single = await startTestRelay(createTestContext(pool, { service: "relay" }));
    const c = await RawClient.open(single.url);
    for (let run = 0; run < 7; run++) {
      for (const [name, filters] of cases) {
        const f = filters();
        const got = await c.req(`g${run}-${name}`, ...f);
        c.send(["CLOSE", `g${run}-${name}`]);
        expect(got.closed, `${name}, run ${run}`).toBeUndefined();
        expect(got.ids, `${name}, run ${run}`).toEqual(expectedReq(events, f, MAX));
        c.send(["COUNT", `n${run}-${name}`, ...f]);
        const counted = await c.next((m) => m[1] === `n${run}-${name}`);
        const matching = events.filter((e) => matchFilters(f, e));
        expect(counted.slice(0, 2), `COUNT ${name}`).toEqual(["COUNT", `n${run}-${name}`]);
        expect((counted[2] as { count: number }).count, `COUNT ${name}`).toBe(matching.length);
      }
    }
    c.close();
    await single.close();
    await pool.end();
  });

  it("has the bigbrotr relay command open its pool with those settings", () => {
    const service = createRelayService(
      { brotr: brotrConfigSchema.parse({}) },
      relayConfigSchema.parse({}),
    );
    expect(service.sessionSettings).toEqual({ plan_cache_mode: "force_generic_plan" });
  });

  it("refuses EVENT as a read-only archive", async () => {
    const event = events[0] as NostrEvent;
    client.send(["EVENT", event]);
    expect(await client.next((f) => f[0] === "OK" && f[1] === event.id)).toEqual([
      "OK",
      event.id,
      false,
      "blocked: read-only archive",
    ]);
    expect(await tc.metric("brotr_relay_refusals_total", { reason: "read_only" })).toBe(1);
  });

  it("answers a bad filter with CLOSED invalid, and too many with CLOSED blocked", async () => {
    const bad = await client.req("bad", { kinds: ["x"] } as unknown as Filter);
    expect(bad.closed).toMatch(/^invalid: kinds/);
    const many = Array.from({ length: 11 }, () => ({ kinds: [1] }));
    expect((await client.req("many", ...many)).closed).toMatch(/^blocked: at most 10 filters/);
  });

  it("limits subscriptions per connection; CLOSE frees one", async () => {
    const c = await RawClient.open(relay.url);
    for (let i = 0; i < 20; i++) await c.req(`s${i}`, { limit: 1 });
    expect((await c.req("s20", { limit: 1 })).closed).toMatch(/^blocked: at most 20 subscriptions/);
    c.send(["CLOSE", "s0"]);
    expect((await c.req("s21", { limit: 1 })).closed).toBeUndefined();
    c.close();
  });

  it("closes a connection that sends a message above max_message_length", async () => {
    const c = await RawClient.open(relay.url);
    const closed = new Promise<number>((resolve) => c.ws.once("close", (code) => resolve(code)));
    c.send(["REQ", "big", { "#t": ["x".repeat(140_000)] }]);
    expect(await closed).toBe(1009);
  });

  it("serves its NIP-11 document with the limits it enforces", async () => {
    const url = relay.url.replace("ws://", "http://");
    const res = await fetch(url, { headers: { accept: "application/nostr+json" } });
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.supported_nips).toEqual([1, 11, 45, 77]);
    expect(doc.limitation).toMatchObject({
      max_limit: MAX,
      max_subscriptions: 20,
      max_message_length: 131_072,
      restricted_writes: true,
    });
  });
});

describe("independent clients", () => {
  it("nostr-tools SimplePool gets what the archive holds", async () => {
    const pool = new SimplePool();
    const authors = some(events, 3).map((e) => e.pubkey);
    const got = await pool.querySync([relay.url], { authors });
    pool.destroy();
    const expected = events.filter((e) => authors.includes(e.pubkey)).map((e) => e.id);
    expect(new Set(got.map((e) => e.id))).toEqual(new Set(expected));
  });

  it("nostr-fetch fetchAllEvents gets 100 % of the ids, paging under a small max_limit", async () => {
    const small = await startTestRelay(tc, { config: { limits: { max_limit: 50 } } });
    const got = await fetchAllIds(small.url, { limitPerReq: 50 });
    await small.close();
    expect(new Set(got)).toEqual(new Set(events.map((e) => e.id)));
  });
});
