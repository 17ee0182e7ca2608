/**
 * What the API accepts as users send it: lists as repeated or comma-separated parameters, NIP-19
 * keys and ids wherever hex ones go, and errors that say which value was wrong and what was
 * expected.
 */
import {
  naddrEncode,
  neventEncode,
  noteEncode,
  nprofileEncode,
  npubEncode,
} from "nostr-tools/nip19";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../support/api.js";
import { makeUser } from "../../support/fake-user.js";
import { archiveSignedEvents } from "../../support/network-history.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { A, B, C, D, E, F, fillApiDatabase, NOW } from "./dataset.js";

let db: TestDatabase;
let api: TestApi;
let ids: string[];
let carol: string;
const enc = encodeURIComponent;
const urls = (body: { relays: { url: string }[] }) => body.relays.map((r) => r.url);
const eventIds = (body: { events: { id: string }[] }) => body.events.map((e) => e.id);
const ADDRESS = { kind: 30023, identifier: "hello" };
/** Any key, for the refusals (decided when the cases are collected). */
const KEY = "cd".repeat(32);

beforeAll(async () => {
  db = await createTestDatabase();
  ids = (await fillApiDatabase(db.pool)).eventIds;
  carol = (await makeUser("carol")).pubkey;
  const [quoting] = await archiveSignedEvents(db.pool, [
    {
      author: "dave",
      kind: 1,
      created_at: NOW - 50,
      tags: [["a", `${ADDRESS.kind}:${carol}:${ADDRESS.identifier}`]],
      relays: [A],
    },
  ]);
  ids.push(quoting?.id as string);
  api = await startTestApi(db.pool, {}, { now: NOW });
}, 120_000);
afterAll(async () => {
  await api.close();
  await db.drop();
});

describe("lists", () => {
  it.each([
    ["network=clearnet&network=tor", [A, B, C, D, E, F]],
    ["network=tor,clearnet", [A, B, C, D, E, F]],
    ["status=up&status=down", [A, B, C, D]],
    ["status=down,unknown", [C, E, F]],
    ["software=khatru&software=STRFRY", [C, D]],
    ["software=khatru,nostr-rs-relay", [B, C]],
    ["country=de&country=US", [A, B, C]],
    ["country=DE,us", [A, B, C]],
    ["network=tor&status=up,down", [D]],
  ])("/v1/relays?%s matches any of the values", async (query, expected) => {
    const r = await api.get(`/v1/relays?${query}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(urls(r.body)).toEqual(expected.sort());
  });

  it("takes several networks for the online set", async () => {
    const both = await api.get("/v1/online?network=tor&network=clearnet");
    expect(both.status).toBe(200);
    expect(both.body.relays).toEqual([A, B, D].sort());
    expect((await api.get("/v1/online?network=tor,clearnet")).body.relays).toEqual(
      both.body.relays,
    );
  });

  it("documents which parameters take lists", async () => {
    const doc = (await api.get("/openapi.json")).body;
    const param = (path: string, name: string) =>
      doc.paths[path].get.parameters.find((p: { name: string }) => p.name === name);
    const lists: [string, string][] = [
      ["/v1/relays", "network"],
      ["/v1/relays", "status"],
      ["/v1/relays", "software"],
      ["/v1/relays", "country"],
      ["/v1/relays", "nips"],
      ["/v1/online", "network"],
      ["/v1/events", "kinds"],
      ["/v1/events", "authors"],
      ["/v1/events", "ids"],
    ];
    for (const [path, name] of lists) {
      expect(param(path, name).description, `${path} ${name}`).toMatch(
        /comma-separated and\/or repeated/,
      );
    }
    expect(param("/v1/events", "authors").description).toContain("npub");
    expect(param("/v1/relays", "asn").schema).toMatchObject({ type: "integer", minimum: 0 });
  });
});

describe("NIP-19 keys and ids", () => {
  it("takes npub and nprofile as authors, and #p", async () => {
    const hex = await api.get(`/v1/events?authors=${carol}&limit=100`);
    expect(hex.body.events.length).toBeGreaterThan(0);
    for (const value of [npubEncode(carol), nprofileEncode({ pubkey: carol, relays: [A] })]) {
      const r = await api.get(`/v1/events?authors=${value}&limit=100`);
      expect(r.status, value).toBe(200);
      expect(eventIds(r.body)).toEqual(eventIds(hex.body));
    }
    const mixed = await api.get(`/v1/events?authors=${npubEncode(carol)},${carol}&limit=100`);
    expect(eventIds(mixed.body)).toEqual(eventIds(hex.body));
  });

  it("takes note and nevent as ids, #e and the id of /v1/events/{id}", async () => {
    const id = ids[4] as string;
    for (const value of [noteEncode(id), neventEncode({ id, relays: [A], author: carol })]) {
      const r = await api.get(`/v1/events?ids=${value}`);
      expect(eventIds(r.body), value).toEqual([id]);
      const one = await api.get(`/v1/events/${value}`);
      expect(one.status, value).toBe(200);
      expect(one.body.id).toBe(id);
    }
    const tagged = await api.get(
      `/v1/events?${enc("#e")}=${noteEncode("ab".repeat(32))}&limit=100`,
    );
    expect(tagged.body.events).toHaveLength(30);
  });

  it("takes an naddr as #a, the same as kind:pubkey:d", async () => {
    const naddr = naddrEncode({ ...ADDRESS, pubkey: carol, relays: [] });
    const r = await api.get(`/v1/events?${enc("#a")}=${naddr}`);
    expect(r.status).toBe(200);
    expect(eventIds(r.body)).toEqual([ids.at(-1)]);
  });

  it.each([
    ["authors=npub1qqqq", "query.authors[0]", '"npub1qqqq" is not a public key'],
    [`authors=${noteEncode(KEY)}`, "query.authors[0]", "is not a public key: expected"],
    [`ids=${KEY},${npubEncode(KEY)}`, "query.ids[1]", "is not an event id: expected"],
    [`${enc("#p")}=nobody`, "query.#p[0]", '"nobody" is not a public key'],
    [`${enc("#a")}=naddr1zzz`, "query.#a[0]", '"naddr1zzz" is not an address'],
  ])("refuses %s naming the value", async (query, path, message) => {
    const r = await api.get(`/v1/events?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.error.issues[0].path).toBe(path);
    expect(r.body.error.message).toContain(message);
  });

  it("refuses a bad id in the path naming it", async () => {
    const r = await api.get("/v1/events/note1xyz");
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('"note1xyz" is not an event id');
  });
});

describe("error messages", () => {
  it.each([
    ["/v1/events?kinds=abc", 'invalid query.kinds[0]: "abc" is not an integer from 0 to 65535'],
    ["/v1/events?kinds=1,-7", 'invalid query.kinds[1]: "-7" is not an integer from 0 to 65535'],
    ["/v1/events?since=yesterday", 'invalid query.since: "yesterday" is not an integer from 0'],
    ["/v1/relays?limit=1.5", 'invalid query.limit: "1.5" is not an integer from 1 to'],
    ["/v1/relays?network=moon", 'invalid query.network[0]: "moon" is not one of clearnet, tor'],
    ["/v1/relays?sort=fast", 'invalid query.sort: "fast" is not one of url, rtt, uptime, events'],
    ["/v1/relays?country=USA", 'invalid query.country[0]: "USA" is not an ISO 3166-1 alpha-2'],
    ["/v1/relays?writable=yes", 'invalid query.writable: "yes" is not one of true, false'],
  ])("%s says what was wrong", async (path, message) => {
    const r = await api.get(path);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain(message);
    expect(r.body.error.message).not.toContain("NaN");
  });
});
