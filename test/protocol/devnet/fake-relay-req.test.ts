import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { startFakeRelay } from "../../support/fake-relay.js";
import { makeUser } from "../../support/fake-user.js";
import { closeAndCheckLeaks, RawClient, sleep } from "./helpers.js";

const own = closeAndCheckLeaks();

async function notes(times: number[], seed = "req"): Promise<NostrEvent[]> {
  const user = await makeUser(seed);
  return times.map((t, i) =>
    user.sign({ kind: 1, created_at: t, tags: [["t", i % 2 ? "odd" : "even"]], content: `n${i}` }),
  );
}

const byNip01Order = (a: NostrEvent, b: NostrEvent) =>
  b.created_at - a.created_at || (a.id < b.id ? -1 : 1);

describe("fake relay: REQ", () => {
  it("returns stored events newest first, ties by lowest id, then EOSE", async () => {
    const events = await notes([100, 200, 200, 200, 300, 50]);
    const relay = own(await startFakeRelay({ events }));
    const client = await RawClient.connect(relay.url);
    const got = await client.req("s", { kinds: [1] });
    expect(got.map((e) => e.id)).toEqual([...events].sort(byNip01Order).map((e) => e.id));
    expect(relay.events.map((e) => e.id)).toEqual(got.map((e) => e.id));
  });

  it("clamps every limit to maxLimit and uses maxLimit when the REQ has none", async () => {
    const events = await notes(Array.from({ length: 30 }, (_, i) => 1000 + i));
    const relay = own(await startFakeRelay({ events, maxLimit: 10 }));
    const client = await RawClient.connect(relay.url);
    expect(await client.req("a", { limit: 1000 })).toHaveLength(10);
    expect(await client.req("b", {})).toHaveLength(10);
    expect(await client.req("c", { limit: 3 })).toHaveLength(3);
    expect(await client.req("d", { limit: 0 })).toHaveLength(0);
    const newest = await client.req("e", { limit: 5 });
    expect(newest.map((e) => e.created_at)).toEqual([1029, 1028, 1027, 1026, 1025]);
    relay.options.maxLimit = 4;
    expect(await client.req("f", {})).toHaveLength(4);
  });

  it("treats since and until as inclusive", async () => {
    const events = await notes([10, 20, 30, 40, 50]);
    const relay = own(await startFakeRelay({ events }));
    const client = await RawClient.connect(relay.url);
    const got = await client.req("s", { since: 20, until: 40 });
    expect(got.map((e) => e.created_at)).toEqual([40, 30, 20]);
    expect(await client.req("t", { since: 50, until: 50 })).toHaveLength(1);
  });

  it("ORs several filters, ANDs attributes, matches tags and de-duplicates", async () => {
    const events = await notes([1, 2, 3, 4, 5, 6]);
    const relay = own(await startFakeRelay({ events }));
    const client = await RawClient.connect(relay.url);
    const [first, second] = events;
    const got = await client.req(
      "s",
      { ids: [first?.id] },
      { ids: [first?.id, second?.id] },
      { "#t": ["odd"], until: 4 },
    );
    expect(got.map((e) => e.content).sort()).toEqual(["n0", "n1", "n3"]);
    expect(await client.req("k", { kinds: [7] })).toHaveLength(0);
    expect(await client.req("a", { authors: [first?.pubkey], "#t": ["even"] })).toHaveLength(3);
  });

  it("pushes live events from other connections to open subs until CLOSE; a reused id replaces", async () => {
    const [stored, live1, live2, live3] = await notes([1, 2, 3, 4], "live");
    const relay = own(await startFakeRelay({ events: stored ? [stored] : [] }));
    const reader = await RawClient.connect(relay.url);
    const writer = await RawClient.connect(relay.url);
    await reader.req("sub", { kinds: [1] });
    writer.send(["EVENT", live1]);
    await reader.waitFor((m) => m[0] === "EVENT" && (m[2] as NostrEvent).id === live1?.id);
    await reader.req("sub", { kinds: [7] });
    writer.send(["EVENT", live2]);
    await writer.waitFor((m) => m[0] === "OK" && m[1] === live2?.id);
    reader.send(["CLOSE", "sub"]);
    await reader.req("other", { kinds: [1], limit: 0 });
    writer.send(["EVENT", live3]);
    await writer.waitFor((m) => m[0] === "OK" && m[1] === live3?.id);
    await sleep(50);
    const liveIds = reader.eventsOf("sub").map((e) => e.id);
    expect(liveIds).toContain(live1?.id);
    expect(liveIds).not.toContain(live2?.id);
    expect(reader.eventsOf("other").map((e) => e.id)).toEqual([live3?.id]);
    expect(relay.events).toHaveLength(4);
  });

  it("addEvents stores and pushes to matching open subscriptions", async () => {
    const [a, b] = await notes([1, 2], "add");
    const relay = own(await startFakeRelay());
    const client = await RawClient.connect(relay.url);
    await client.req("s", {});
    relay.addEvents([a, b].filter((e): e is NostrEvent => e !== undefined));
    await client.waitFor((m) => m[0] === "EVENT" && (m[2] as NostrEvent).id === b?.id);
    expect(relay.events).toHaveLength(2);
  });

  it("answers NIP-45 COUNT", async () => {
    const relay = own(await startFakeRelay({ events: await notes([1, 2, 3, 4, 5]) }));
    const client = await RawClient.connect(relay.url);
    client.send(["COUNT", "c", { "#t": ["even"] }]);
    expect(await client.waitFor((m) => m[0] === "COUNT")).toEqual(["COUNT", "c", { count: 3 }]);
  });

  it("refuses malformed REQs with CLOSED invalid / NOTICE", async () => {
    const relay = own(await startFakeRelay());
    const client = await RawClient.connect(relay.url);
    client.send(["REQ", "bad", { kinds: 1 }]);
    const closed = await client.waitFor((m) => m[0] === "CLOSED");
    expect(closed[2]).toMatch(/^invalid: /);
    client.send(["REQ", "x".repeat(65), {}]);
    client.send("not json");
    await client.waitFor((m) => m[0] === "NOTICE" && String(m[1]).includes("JSON"));
    expect(client.messages.filter((m) => m[0] === "NOTICE")).toHaveLength(2);
  });
});

describe("fake relay: EVENT", () => {
  it("verifies, stores, answers duplicates and refuses bad signatures", async () => {
    const [ev] = await notes([123], "writer");
    if (!ev) throw new Error("no event");
    const relay = own(await startFakeRelay());
    const client = await RawClient.connect(relay.url);
    client.send(["EVENT", ev]);
    expect(await client.waitFor((m) => m[0] === "OK")).toEqual(["OK", ev.id, true, ""]);
    client.send(["EVENT", ev]);
    await client.waitFor((m) => m[0] === "OK" && String(m[3]).startsWith("duplicate:"));
    const forged = { ...ev, sig: `${ev.sig.slice(0, -1)}${ev.sig.endsWith("0") ? "1" : "0"}` };
    client.send(["EVENT", { ...forged, content: "changed" }]);
    client.send(["EVENT", forged]);
    const bad = await client.waitFor((m) => m[0] === "OK" && m[2] === false && m[1] === ev.id);
    expect(bad[3]).toMatch(/^invalid: /);
    expect(relay.events).toHaveLength(1);
    expect(relay.received.filter((m) => Array.isArray(m) && m[0] === "EVENT")).toHaveLength(4);
  });

  it("acceptWrites: false answers OK false blocked", async () => {
    const [ev] = await notes([1], "blocked");
    const relay = own(await startFakeRelay({ acceptWrites: false }));
    const client = await RawClient.connect(relay.url);
    client.send(["EVENT", ev]);
    const ok = await client.waitFor((m) => m[0] === "OK");
    expect(ok[2]).toBe(false);
    expect(ok[3]).toMatch(/^blocked: /);
    expect(relay.events).toHaveLength(0);
  });

  it("counts open and total connections", async () => {
    const relay = own(await startFakeRelay());
    const a = await RawClient.connect(relay.url);
    await RawClient.connect(relay.url);
    expect(relay.connectionCount).toBe(2);
    a.close();
    await a.closed;
    for (let i = 0; i < 20 && relay.connectionCount > 1; i++) await sleep(10);
    expect(relay.connectionCount).toBe(1);
    expect(relay.totalConnections).toBe(2);
  });
});
