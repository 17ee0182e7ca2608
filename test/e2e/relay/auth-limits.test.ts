/**
 * `bigbrotr relay` with NIP-42 on and its shared limits: REQ, COUNT and NEG-OPEN refused
 * `auth-required:` before AUTH and `restricted:` for a key not allowed; each faulty AUTH event
 * (challenge, relay tag, created_at, signature, kind) answered OK false; nostr-tools
 * authenticating and reading; subscriptions per address and per key, bytes per address per
 * minute refused with their reasons and counted.
 */
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { Relay, useWebSocketImplementation } from "nostr-tools/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { NostrEvent } from "../../../src/models/event-types.js";
import type { RunningRelay } from "../../../src/services/relay/service.js";
import { signEvent } from "../../../src/utils/keys.js";
import { generateEvents } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { archive, RawClient, startTestRelay } from "../../support/relay-archive.js";
import { createTestContext, type TestContext } from "../../support/service-context.js";

useWebSocketImplementation(WebSocket);

let db: TestDatabase;
let tc: TestContext;
let relay: RunningRelay;
let events: NostrEvent[];
const alice = generateSecretKey();
const bob = generateSecretKey();

beforeAll(async () => {
  db = await createTestDatabase();
  tc = createTestContext(db.pool, { service: "relay" });
  events = await generateEvents({ count: 30, seed: 3, users: 3 });
  await archive(db.pool, events);
  relay = await startTestRelay(tc, {
    config: {
      auth: {
        enabled: true,
        required_for: ["REQ", "COUNT", "NEG"],
        allowed_pubkeys: [getPublicKey(alice)],
      },
      limits: { max_subscriptions_per_key: 2 },
    },
  });
});

afterAll(async () => {
  await relay?.close();
  await db?.drop();
});

/** A raw client that has its challenge. */
async function challenged(url = relay.url): Promise<{ c: RawClient; challenge: string }> {
  const c = await RawClient.open(url);
  const frame = await c.next((f) => f[0] === "AUTH");
  return { c, challenge: String(frame[1]) };
}

function authEvent(key: Uint8Array, challenge: string, over: Partial<NostrEvent> = {}) {
  const host = new URL(relay.url).host;
  const template = {
    kind: 22242,
    created_at: Math.floor(Date.now() / 1000),
    tags: [
      ["relay", `ws://${host}/`],
      ["challenge", challenge],
    ],
    content: "",
    ...over,
  };
  return signEvent(template, key);
}

async function authenticate(c: RawClient, event: NostrEvent) {
  c.send(["AUTH", event]);
  return c.next((f) => f[0] === "OK" && f[1] === event.id);
}

describe("NIP-42 AUTH", () => {
  it("says so in NIP-11: 42 supported, auth required", async () => {
    const res = await fetch(relay.url.replace(/^ws/, "http"), {
      headers: { accept: "application/nostr+json" },
    });
    const doc = (await res.json()) as {
      supported_nips: number[];
      limitation: { auth_required: boolean };
    };
    expect(doc.supported_nips).toEqual([1, 11, 42, 45, 77]);
    expect(doc.limitation.auth_required).toBe(true);
  });

  it("refuses REQ, COUNT and NEG-OPEN auth-required before AUTH, and counts them", async () => {
    const { c } = await challenged();
    const req = await c.req("r", { limit: 5 });
    expect(req.closed).toMatch(/^auth-required: /);
    c.send(["COUNT", "n", {}]);
    expect(String((await c.next((f) => f[1] === "n"))[2])).toMatch(/^auth-required: /);
    c.send(["NEG-OPEN", "g", {}, "61"]);
    const neg = await c.next((f) => f[1] === "g");
    expect(neg[0]).toBe("NEG-ERR");
    expect(String(neg[2])).toMatch(/^auth-required: /);
    expect(await tc.metric("brotr_relay_refusals_total", { reason: "auth_required" })).toBe(3);
    c.close();
  });

  it("answers each faulty AUTH event OK false with why", async () => {
    const { c, challenge } = await challenged();
    const now = Math.floor(Date.now() / 1000);
    const cases: [NostrEvent, RegExp][] = [
      [authEvent(alice, "not-the-challenge"), /challenge/],
      [authEvent(alice, challenge, { kind: 1 }), /kind 22242/],
      [authEvent(alice, challenge, { created_at: now - 3600 }), /created_at/],
      [
        authEvent(alice, challenge, {
          tags: [
            ["relay", "wss://elsewhere.example/"],
            ["challenge", challenge],
          ],
        }),
        /relay tag/,
      ],
      [{ ...authEvent(alice, challenge), content: "changed" }, /invalid/],
    ];
    for (const [event, why] of cases) {
      const ok = await authenticate(c, event);
      expect(ok[2], String(ok[3])).toBe(false);
      expect(String(ok[3])).toMatch(why);
    }
    expect(await tc.metric("brotr_relay_auth_total", { outcome: "failed" })).toBe(cases.length);
    expect((await c.req("still", { limit: 1 })).closed).toMatch(/^auth-required: /);
    c.close();
  });

  it("serves an allowed key after AUTH, and refuses another key restricted", async () => {
    const { c, challenge } = await challenged();
    expect((await authenticate(c, authEvent(bob, challenge)))[2]).toBe(true);
    expect((await c.req("b", { limit: 5 })).closed).toMatch(/^restricted: /);
    c.close();
    const second = await challenged();
    expect((await authenticate(second.c, authEvent(alice, second.challenge)))[2]).toBe(true);
    const got = await second.c.req("a", { limit: 5 });
    expect(got.closed).toBeUndefined();
    expect(got.ids).toHaveLength(5);
    second.c.close();
  });

  it("lets nostr-tools authenticate with its own AUTH event and read", async () => {
    const r = await Relay.connect(relay.url);
    // The challenge the relay sent on connecting (nostr-tools keeps it in a private field).
    const held = r as unknown as { challenge?: string };
    while (held.challenge === undefined) await new Promise((resolve) => setImmediate(resolve));
    await r.auth(async (template) => signEvent(template, alice) as never);
    const ids: string[] = [];
    await new Promise<void>((resolve) => {
      const sub = r.subscribe([{ limit: 7 }], {
        onevent: (e) => ids.push(e.id),
        oneose: () => {
          sub.close();
          resolve();
        },
      });
    });
    expect(ids).toHaveLength(7);
    r.close();
  });

  it("refuses a key's subscriptions past max_subscriptions_per_key, across connections", async () => {
    const clients = [await challenged(), await challenged()];
    for (const { c, challenge } of clients) await authenticate(c, authEvent(alice, challenge));
    const [one, two] = clients.map((x) => x.c) as [RawClient, RawClient];
    expect((await one.req("k1", { limit: 1 })).closed).toBeUndefined();
    expect((await two.req("k2", { limit: 1 })).closed).toBeUndefined();
    expect((await two.req("k3", { limit: 1 })).closed).toMatch(/^rate-limited: .*one key/);
    one.send(["CLOSE", "k1"]);
    expect((await two.req("k4", { limit: 1 })).closed).toBeUndefined();
    expect(await tc.metric("brotr_relay_refusals_total", { reason: "subscriptions_per_key" })).toBe(
      1,
    );
    one.close();
    two.close();
  });
});

describe("limits per address", () => {
  it("refuses subscriptions past max_subscriptions_per_ip, and bytes past the minute's budget", async () => {
    const limited = await startTestRelay(tc, {
      config: { limits: { max_subscriptions_per_ip: 2, max_bytes_per_minute_per_ip: 2048 } },
    });
    const [a, b] = [await RawClient.open(limited.url), await RawClient.open(limited.url)];
    expect((await a.req("s1", { limit: 1 })).closed).toBeUndefined();
    expect((await b.req("s2", { limit: 1 })).closed).toBeUndefined();
    expect((await b.req("s3", { limit: 1 })).closed).toMatch(/^rate-limited: .*one address/);
    a.send(["CLOSE", "s1"]);
    expect((await b.req("s4", { limit: 1 })).closed).toBeUndefined();
    expect(await tc.metric("brotr_relay_refusals_total", { reason: "subscriptions_per_ip" })).toBe(
      1,
    );
    // The few hundred bytes sent so far are under the budget; one more large message is not.
    a.send(["COUNT", "big", { "#t": ["x".repeat(2100)] }]);
    const notice = await a.next((f) => f[0] === "NOTICE");
    expect(String(notice[1])).toMatch(/^rate-limited: more than 2048 bytes a minute/);
    expect(await tc.metric("brotr_relay_refusals_total", { reason: "bytes_per_ip" })).toBe(1);
    a.close();
    b.close();
    await limited.close();
  });
});
