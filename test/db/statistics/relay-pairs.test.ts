import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ArchiveItem, archiveEvents } from "../../../src/core/db/archive.js";
import { refreshStatistics } from "../../../src/core/db/statistics/refresh.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { expectStatisticsExact } from "../../support/statistics-exact.js";

/**
 * Whether a relay has a pubkey, kept per (relay, pubkey, kind) and decided per pair each chunk
 * (src/core/db/statistics/relay-summaries.ts): by a row of the delta that was there before
 * and stays, or else by a probe. Pairs whose delta mixes old and new rows, pairs with rows
 * outside the delta, pairs that vanish and come back in one cycle, rows a chunk inserted and
 * the next one adds to.
 */

const NOW = 1_790_000_000;
const R1 = "wss://one.example";
const R2 = "wss://two.example";
let db: TestDatabase;
let seq = 0;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

const pubkey = (p: number) => `${"cd".repeat(31)}${p.toString(16).padStart(2, "0")}`;

function event(p: number, kind: number): NostrEvent {
  seq += 1;
  return {
    id: seq.toString(16).padStart(64, "0"),
    pubkey: pubkey(p),
    created_at: NOW - 1000 + seq,
    kind,
    tags: [],
    content: "",
    sig: "ee".repeat(64),
  };
}

/** Archives each event on the given relays (one transaction); returns the events. */
async function archive(...seen: [p: number, kind: number, relays: string[]][]) {
  const items: ArchiveItem[] = [];
  const made = seen.map(([p, kind, relays]) => {
    const e = event(p, kind);
    for (const relayUrl of relays)
      items.push({ event: e, relayUrl, network: "clearnet", seenAt: NOW });
    return e;
  });
  await archiveEvents(db.pool, items, { profile: "bigbrotr" });
  return made;
}

const unsee = (events: NostrEvent[], relay: string) =>
  db.pool.query(
    "DELETE FROM event_relay WHERE relay_id = (SELECT id FROM relay WHERE url = $1) AND event_id = ANY($2)",
    [relay, events.map((e) => Buffer.from(e.id, "hex"))],
  );

async function pubkeysOn(): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ relay_url: string; unique_pubkeys: string }>(
    "SELECT relay_url, unique_pubkeys FROM relay_stats ORDER BY relay_url",
  );
  return Object.fromEntries(rows.map((r) => [r.relay_url, Number(r.unique_pubkeys)]));
}

async function refresh(chunkRows?: number) {
  const report = await refreshStatistics(
    db.pool,
    chunkRows ? { now: NOW, chunkRows } : { now: NOW },
  );
  expect(report.complete).toBe(true);
  await expectStatisticsExact(db.pool);
}

describe("a relay's pubkeys", () => {
  it("follow pairs whose delta mixes old and new rows, adding and subtracting", async () => {
    const [p1a] = await archive([1, 1, [R1]], [2, 1, [R1]], [2, 7, [R1]], [3, 1, [R2]]);
    await refresh();
    expect(await pubkeysOn()).toEqual({ [R1]: 2, [R2]: 1 });
    // P1: an old row and a new one; P2: a new kind beside rows outside the delta; P3, and P1
    // on R2: new pairs.
    const walked = await archive([1, 1, [R1]], [1, 7, [R1]], [2, 3, [R1]], [3, 1, [R1, R2]]);
    await archive([1, 1, [R2]]);
    await refresh();
    expect(await pubkeysOn()).toEqual({ [R1]: 3, [R2]: 2 });
    const [p1again, p1seven, p2three, p3] = walked as [
      NostrEvent,
      NostrEvent,
      NostrEvent,
      NostrEvent,
    ];
    // P1 on R1: one row empties, one shrinks; P2: its new row empties beside untouched ones;
    // P3: its only row on R1 empties.
    await unsee([p1again, p1seven, p2three, p3], R1);
    await refresh();
    expect(await pubkeysOn()).toEqual({ [R1]: 2, [R2]: 2 });
    await unsee([p1a as NostrEvent], R1);
    await refresh();
    expect(await pubkeysOn()).toEqual({ [R1]: 1, [R2]: 2 });
  });

  it("vanish and come back within one cycle (a drain chunk, then a walk chunk)", async () => {
    const old = await archive([4, 1, [R1]], [4, 7, [R1]], [5, 1, [R1]]);
    await refresh();
    await unsee(old.slice(0, 2), R1);
    await archive([4, 3, [R1]]);
    await refresh();
    expect(await pubkeysOn()).toEqual({ [R1]: 2 });
  });

  it("count rows a chunk inserted once when the next chunk adds to them", async () => {
    await archive([6, 1, [R2]]);
    await refresh();
    for (const kind of [1, 1, 7, 1, 3]) await archive([6, kind, [R1, R2]]);
    await refresh(1);
    expect(await pubkeysOn()).toEqual({ [R1]: 1, [R2]: 1 });
  });
});
