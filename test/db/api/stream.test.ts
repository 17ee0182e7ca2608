import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { insertChanges } from "../../../src/core/db/relay-changes.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import type { ChangeKind } from "../../../src/models/relay-change.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { openSse, type SseClient } from "../../support/sse.js";

const A = "wss://alpha.nostr1.com";
const B = "ws://b.onion/";

describe("GET /v1/stream", () => {
  let db: TestDatabase;
  let api: TestApi | undefined;
  const clients: SseClient[] = [];
  let at = 1000;
  beforeAll(async () => {
    db = await createTestDatabase();
    await insertRelays(db.pool, [
      { url: A, network: "clearnet", discoveredAt: 1 },
      { url: B, network: "tor", discoveredAt: 1 },
    ]);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await api?.close();
    api = undefined;
  });
  afterAll(() => db.drop());

  const start = async (stream: Record<string, unknown> = {}, keys: string[] = []) => {
    api = await startTestApi(db.pool, { stream: { poll_ms: 50, ...stream } }, { apiKeys: keys });
    return api;
  };
  const open = async (query = "", headers: Record<string, string> = {}) => {
    const c = await openSse(new URL(`v1/stream${query}`, api?.url).toString(), headers);
    clients.push(c);
    return c;
  };
  const store = (relayUrl: string, kind: ChangeKind) =>
    insertChanges(db.pool, [{ relayUrl, kind, checkedAt: at++, evidence: { n: at } }], 5);
  const data = (c: SseClient) =>
    c.events.filter((e) => e.event === "change").map((e) => JSON.parse(e.data));
  const newestId = async () =>
    Number((await db.pool.query("SELECT max(id) AS id FROM relay_change")).rows[0].id);
  // The stream is live once its retry line came: the feed polls from then on.
  const ready = (c: SseClient) => c.until(() => c.comments.length >= 0 && c.status === 200);

  it("delivers changes as stored, filtered by relay, network and kind", async () => {
    await start();
    const all = await open();
    const downs = await open("?kind=down");
    const tor = await open("?network=tor");
    const relayA = await open(`?relay=${encodeURIComponent("wss://ALPHA.nostr1.com/")}`);
    await Promise.all([all, downs, tor, relayA].map(ready));
    await store(A, "up");
    await store(B, "down");
    await store(A, "down");
    await all.until((e) => e.filter((x) => x.event === "change").length === 3);
    await relayA.until((e) => e.filter((x) => x.event === "change").length === 2);
    await downs.until((e) => e.filter((x) => x.event === "change").length === 2);
    await tor.until((e) => e.filter((x) => x.event === "change").length === 1);
    expect(data(all).map((d) => [d.relay, d.kind])).toEqual([
      [A, "up"],
      [B, "down"],
      [A, "down"],
    ]);
    expect(data(all)[0]).toMatchObject({ network: "clearnet", evidence: expect.any(Object) });
    expect(all.events.map((e) => Number(e.id))).toEqual(data(all).map((d) => d.id));
    expect(data(downs).map((d) => d.relay)).toEqual([B, A]);
    expect(data(tor).map((d) => d.kind)).toEqual(["down"]);
    expect(data(relayA).map((d) => d.kind)).toEqual(["up", "down"]);
  });

  it("resumes after Last-Event-ID, then goes on live; a bounded backlog says what it skipped", async () => {
    await start({ backlog: 2 });
    const before = await newestId();
    await store(A, "up");
    await store(A, "down");
    await store(A, "up");
    const resumed = await open("", { "Last-Event-ID": String(before + 1) });
    await resumed.until((e) => e.filter((x) => x.event === "change").length === 2);
    expect(data(resumed).map((d) => d.id)).toEqual([before + 2, before + 3]);
    await store(B, "up");
    await resumed.until((e) => e.filter((x) => x.event === "change").length === 3);
    const truncated = await open(`?last_event_id=${before}`);
    await truncated.until((e) => e.filter((x) => x.event === "change").length === 2);
    expect(truncated.events[0]?.event).toBe("truncated");
    expect(data(truncated).map((d) => d.id)).toEqual([before + 3, before + 4]);
  });

  it("delivers a change committed after a newer one (ids are taken before commit)", async () => {
    await start();
    const c = await open();
    await ready(c);
    const late = await db.pool.connect();
    try {
      await late.query("BEGIN");
      await insertChanges(
        late,
        [{ relayUrl: A, kind: "rtt_high", checkedAt: at++, evidence: {} }],
        5,
      );
      await store(B, "rtt_high");
      await c.until((e) => e.filter((x) => x.event === "change").length === 1);
      await late.query("COMMIT");
    } finally {
      late.release();
    }
    await c.until((e) => e.filter((x) => x.event === "change").length === 2);
    expect(data(c).map((d) => d.relay)).toEqual([B, A]);
  });

  it("caps streams per client and per server, frees a slot when a client goes", async () => {
    await start({ max_streams: 3, per_client: { anonymous: 1, keyed: 2 } }, ["k1", "k2"]);
    const first = await open();
    expect(first.status).toBe(200);
    expect((await open()).status).toBe(429);
    expect((await open("", { "X-API-Key": "k1" })).status).toBe(200);
    expect((await open("", { "X-API-Key": "k1" })).status).toBe(200);
    expect((await open("", { "X-API-Key": "k1" })).status).toBe(429);
    first.close();
    // The server sees the client go at its next write: a change or a heartbeat.
    await store(A, "up");
    let again = await open();
    while (again.status === 429) {
      await new Promise((r) => setTimeout(r, 50));
      again = await open();
    }
    expect(again.status).toBe(200);
    expect((await open("?network=tor", { "X-API-Key": "k2" })).status).toBe(503);
  });

  it("GET /v1/changes pages the newest changes back, of one relay or all", async () => {
    await start();
    await store(B, "nips_changed");
    await store(A, "cert_expiring");
    const all = await api?.get("/v1/changes?limit=1");
    expect(all?.body.changes.map((c: { kind: string }) => c.kind)).toEqual(["cert_expiring"]);
    const older = await api?.get(`/v1/changes?limit=1&before=${all?.body.next}`);
    expect(older?.body.changes[0]).toMatchObject({ relay: B, kind: "nips_changed" });
    const ofB = await api?.get(`/v1/changes?relay=${encodeURIComponent(B)}&limit=500`);
    expect(new Set(ofB?.body.changes.map((c: { relay: string }) => c.relay))).toEqual(new Set([B]));
    expect(ofB?.body.next).toBeNull();
  });

  it("sends heartbeats, refuses bad filters, and is in /openapi.json", async () => {
    await start({ heartbeat_seconds: 1 });
    const c = await open();
    await c.until(() => c.comments.includes("heartbeat"));
    expect((await open("?kind=sideways")).status).toBe(400);
    const spec = await api?.get("/openapi.json");
    expect(Object.keys(spec?.body.paths["/v1/stream"].get.responses["200"].content)).toEqual([
      "text/event-stream",
    ]);
  });
});
