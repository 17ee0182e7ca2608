/**
 * The events browser: events rendered by kind with the raw JSON one click away, NIP-19 keys in
 * the filter, dates for Since/Until, and every filter in the URL (reload, back and forward).
 */
import { npubEncode } from "nostr-tools/nip19";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOW } from "../db/api/dataset.js";
import { CHROMIUM, type ExplorerSession, startExplorer } from "../support/browser.js";
import { skipWithout } from "../support/external-tool.js";
import { makeUser } from "../support/fake-user.js";
import { archiveSignedEvents } from "../support/network-history.js";

const RELAY = "wss://alpha.example";
const at = (i: number) => NOW - 5000 + i * 100;
const short = (hex: string) => `${hex.slice(0, 12)}…`;
let x: ExplorerSession;
let alice: string;
let note: string;
let ids: string[];

const shownIds = () =>
  x.page
    .locator("#event-list .event")
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
const lead = (kind: number) => x.page.locator(`.event[data-kind="${kind}"] .lead`).textContent();

async function fill(pool: import("pg").Pool): Promise<void> {
  alice = (await makeUser("alice")).pubkey;
  const [carol, dave] = await Promise.all(
    ["carol", "dave"].map(async (s) => (await makeUser(s)).pubkey),
  );
  const [first] = await archiveSignedEvents(pool, [
    { author: "alice", kind: 1, created_at: at(0), content: "hello world", relays: [RELAY] },
  ]);
  note = first?.id as string;
  const rest = await archiveSignedEvents(pool, [
    {
      author: "alice",
      kind: 0,
      created_at: at(1),
      content: '{"name":"alice","about":"hi"}',
      relays: [RELAY],
    },
    {
      author: "bob",
      kind: 3,
      created_at: at(2),
      tags: [alice, carol, dave].map((k) => ["p", k as string]),
      content: "",
      relays: [RELAY],
    },
    {
      author: "bob",
      kind: 6,
      created_at: at(3),
      tags: [
        ["e", note],
        ["p", alice],
      ],
      content: JSON.stringify(first),
      relays: [RELAY],
    },
    {
      author: "carol",
      kind: 7,
      created_at: at(4),
      tags: [
        ["e", note],
        ["p", alice],
      ],
      content: "+",
      relays: [RELAY],
    },
    {
      author: "alice",
      kind: 30023,
      created_at: at(5),
      tags: [
        ["d", "intro"],
        ["title", "Why relays matter"],
        ["summary", "A short read"],
      ],
      content: "Long text",
      relays: [RELAY],
    },
  ]);
  ids = [note, ...rest.map((e) => e.id)];
}

describe.skipIf(skipWithout(CHROMIUM))("events browser in headless Chromium", () => {
  beforeAll(async () => {
    x = await startExplorer((db) => fill(db.pool), { now: NOW });
    await x.open("#/events", "events");
  }, 120_000);
  afterAll(() => x?.close());

  it("renders each event by its kind, with its kind's name", async () => {
    await expect.poll(shownIds).toEqual([...ids].reverse());
    expect(await x.page.locator('.event[data-kind="1"] .kind').textContent()).toBe(
      "kind 1 · short text note",
    );
    expect(await lead(0)).toBe("Profile of alice");
    expect(await lead(3)).toBe("Follows 3 accounts · their events");
    expect(await lead(6)).toBe(`Repost of ${short(note)} by ${short(alice)}`);
    expect(await x.page.locator('.event[data-kind="6"] .content').textContent()).toBe(
      "hello world",
    );
    expect(await lead(7)).toBe(`Like of ${short(note)}`);
    expect(await lead(30023)).toBe("Why relays matter");
    await x.shot("events-by-kind");
  });

  it("keeps the raw JSON one click away", async () => {
    const raw = x.page.locator('.event[data-kind="3"] details.raw');
    expect(await raw.locator("pre").isVisible()).toBe(false);
    await raw.locator("summary").click();
    expect(await raw.locator("pre").isVisible()).toBe(true);
    expect(await raw.locator("pre").textContent()).toContain('"sig"');
  });

  it("follows a repost to the event it reposts", async () => {
    await x.page.locator('.event[data-kind="6"] .lead a.event-ref').click();
    await x.ready("events");
    expect(new URL(x.page.url()).hash).toBe(`#/events?ids=${note}`);
    await expect.poll(shownIds).toEqual([note]);
    expect(await x.page.inputValue('input[name="ids"]')).toBe(note);
  });

  it("takes an npub as author and says which value is wrong", async () => {
    await x.open("#/events", "events");
    await x.page.fill('input[name="authors"]', npubEncode(alice));
    await x.page.click('#event-filter button[type="submit"]');
    await expect.poll(shownIds).toEqual([ids[5], ids[1], ids[0]]);
    expect(new URL(x.page.url()).hash).toBe(`#/events?authors=${npubEncode(alice)}`);
    await x.page.fill('input[name="authors"]', "npub1nope");
    await x.page.click('#event-filter button[type="submit"]');
    await expect
      .poll(() => x.page.locator("#event-status.error").textContent())
      .toContain('"npub1nope" is not a public key');
    expect(x.expectProblems(/status of 400/)).toBe(1);
  });

  it("takes dates for Since and Until, keeps them in the URL as unix seconds", async () => {
    await x.open(`#/events?authors=${npubEncode(alice)}`, "events");
    const since = new Date(at(1) * 1000).toISOString().slice(0, 16);
    await x.page.fill('input[name="since"]', since);
    await x.page.click('#event-filter button[type="submit"]');
    await expect.poll(shownIds).toEqual([ids[5], ids[1]]);
    const sinceUnix = Math.floor(Date.parse(`${since}Z`) / 1000);
    expect(new URL(x.page.url()).hash).toBe(
      `#/events?authors=${npubEncode(alice)}&since=${sinceUnix}`,
    );
    await x.page.reload();
    await x.ready("events");
    expect(await x.page.inputValue('input[name="since"]')).toBe(since);
    await expect.poll(shownIds).toEqual([ids[5], ids[1]]);
    await x.shot("events-filtered");
  });

  it("moves between filters with back and forward", async () => {
    await x.page.fill('input[name="kinds"]', "30023");
    await x.page.click('#event-filter button[type="submit"]');
    await expect.poll(shownIds).toEqual([ids[5]]);
    await x.page.goBack();
    await x.ready("events");
    await expect.poll(shownIds).toEqual([ids[5], ids[1]]);
    expect(await x.page.inputValue('input[name="kinds"]')).toBe("");
    await x.page.goForward();
    await x.ready("events");
    await expect.poll(shownIds).toEqual([ids[5]]);
    expect(await x.page.inputValue('input[name="kinds"]')).toBe("30023");
  });

  it("logged no error and asked no other host for anything", () => {
    expect(x.problems).toEqual([]);
    expect(x.foreign).toEqual([]);
  });
});
