import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findEvents, type NewestCursor } from "../../../src/core/db/api/event-filter.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { makeUser } from "../../support/fake-user.js";
import { archiveSignedEvents } from "../../support/network-history.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

/**
 * The byte budget of event pages (limits.max_page_bytes): follow lists of a few hundred `p`
 * tags (~72 bytes each) under a 20,000-byte budget, paged with limit=50 (one page without the
 * budget). Every event comes back exactly once, in order, with its tags as signed; a page
 * holds more than one event only when their JSON fits the budget; an event larger than the
 * budget still comes back, alone.
 */

const BUDGET = 20_000;
/** `{"events":[`, the commas and `],"next":"…"}` around a page's events. */
const ENVELOPE = 200;
const RELAY = "wss://alpha.example";
const T0 = 1_700_000_000;
/** p tags of each follow list; the 400 one (~29 kB) is larger than the budget. */
const SIZES = [50, 120, 200, 60, 90, 400, 30, 150, 80, 100, 250, 70, 10, 5];

let db: TestDatabase;
let api: TestApi;
let target: string;
let signed: { id: string; created_at: number; tags: string[][] }[];

/**
 * A p value: random-looking for odd lists (stored tags incompressible: the database's estimate
 * cuts their pages), mostly zeros for even ones (compressed: the exact cut after it does).
 */
const hex = (list: number, j: number) =>
  list % 2 === 1
    ? createHash("sha256").update(`${list}:${j}`).digest("hex")
    : (list * 1000 + j).toString(16).padStart(64, "0");

beforeAll(async () => {
  db = await createTestDatabase();
  target = (await makeUser("followed")).pubkey;
  const specs = SIZES.map((n, i) => ({
    author: `follower-${i}`,
    kind: 3,
    // Two lists of the same second: the cursor's id decides between them.
    created_at: T0 + (i === 4 ? 3 : i),
    tags: [["p", target], ...Array.from({ length: n }, (_, j) => ["p", hex(i, j)])],
    content: "",
    relays: [RELAY],
  }));
  signed = await archiveSignedEvents(db.pool, specs);
  api = await startTestApi(db.pool, { limits: { max_page_bytes: BUDGET } });
}, 120_000);
afterAll(async () => {
  await api.close();
  await db.drop();
});

/** GET with the raw body (its size is what the budget bounds). */
async function rawPage(cursor: string | null) {
  const query = `${encodeURIComponent("#p")}=${target}&limit=50`;
  const url = new URL(
    `v1/events?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    api.url,
  );
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { bytes: Buffer.byteLength(text), body: JSON.parse(text) };
}

describe("event pages under a byte budget", () => {
  it("pages large events completely and exactly once, each page within the budget", async () => {
    const seen: { id: string; tags: string[][] }[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const { bytes, body } = await rawPage(cursor);
      expect(body.events.length).toBeGreaterThan(0);
      if (body.events.length > 1) expect(bytes).toBeLessThanOrEqual(BUDGET + ENVELOPE);
      seen.push(...body.events);
      pages.push(body.events.length);
      cursor = body.next;
    } while (cursor !== null && pages.length < 50);
    expect(cursor).toBeNull();
    const newestFirst = [...signed].sort(
      (a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1),
    );
    expect(seen.map((e) => e.id)).toEqual(newestFirst.map((e) => e.id));
    // The tags arrive as stored JSON text, spliced: equal to what was signed.
    for (const e of seen) expect(e.tags).toEqual(signed.find((s) => s.id === e.id)?.tags);
    // The budget cut the one page limit=50 would give into several.
    expect(pages.length).toBeGreaterThan(4);
  });

  it("returns an event larger than the budget, alone on its page", async () => {
    const large = signed[SIZES.indexOf(400)] as (typeof signed)[number];
    let cursor: string | null = null;
    for (;;) {
      const { body } = await rawPage(cursor);
      const ids = body.events.map((e: { id: string }) => e.id);
      if (ids.includes(large.id)) {
        expect(ids).toEqual([large.id]);
        expect(body.events[0].tags).toEqual(large.tags);
        expect(body.next).not.toBeNull();
        break;
      }
      expect(body.next, `paged without ${large.id}`).not.toBeNull();
      cursor = body.next;
    }
  });

  it("the database's estimated cut (findEvents maxBytes) also pages every event once", async () => {
    const filter = { tags: [{ name: "p", values: [target] }] };
    const seen: string[] = [];
    let before: NewestCursor | undefined;
    for (let i = 0; i < 50; i++) {
      // A budget below any event: one event a page, each with the cursor after it.
      const page = await findEvents(db.pool, filter, {
        limit: 50,
        maxBytes: 1,
        ...(before ? { before } : {}),
      });
      expect(page.events).toHaveLength(1);
      seen.push(...page.events.map((e) => e.id));
      if (page.next === null) break;
      before = page.next;
    }
    expect(seen).toHaveLength(signed.length);
    expect(new Set(seen).size).toBe(signed.length);
  });
});
