import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ArchiveItem, archiveEvents } from "../../../src/core/db/archive.js";
import { insertEventRelays } from "../../../src/core/db/event-relays.js";
import { RelayIdCache } from "../../../src/core/db/relays.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { count, fakeEvents, waitForLockWait } from "./helpers.js";

const on = (events: NostrEvent[], relayUrl: string, seenAt = 10): ArchiveItem[] =>
  events.map((event) => ({ event, relayUrl, network: "clearnet" as const, seenAt }));

/** Sightings whose event or relay does not exist: must always be 0. */
async function dangling(db: TestDatabase): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM event_relay er
     WHERE NOT EXISTS (SELECT 1 FROM relay r WHERE r.id = er.relay_id)
        OR NOT EXISTS (SELECT 1 FROM event e WHERE e.id = er.event_id)`,
  );
  return rows[0]?.n ?? -1;
}

describe("integrity of sightings", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ poolSize: 6 });
  });
  afterAll(async () => {
    await db.drop();
  });

  it("a relay deleted while an archive is in flight takes that archive's sightings with it", async () => {
    const events = fakeEvents("inflight-", 20);
    await db.pool.query(
      "INSERT INTO relay (url, network, discovered_at) VALUES ('wss://doomed.example', 'clearnet', 1)",
    );
    const writer = await db.pool.connect();
    try {
      await writer.query("BEGIN");
      await archiveEvents(writer, on(events, "wss://doomed.example"), { profile: "bigbrotr" });
      const deletion = db.pool.query("DELETE FROM relay WHERE url = 'wss://doomed.example'");
      await waitForLockWait(db.pool, 300);
      await writer.query("COMMIT");
      expect((await deletion).rowCount).toBe(1);
    } finally {
      writer.release();
    }
    expect(await count(db.pool, "event_relay")).toBe(0);
    expect(await dangling(db)).toBe(0);
  });

  it("an archive started after a relay delete began waits, then re-creates the relay", async () => {
    const cache = new RelayIdCache();
    const first = fakeEvents("stale-a-", 5);
    await archiveEvents(db.pool, on(first, "wss://stale.example"), {
      profile: "bigbrotr",
      relayIds: cache,
    });
    const oldId = (await db.pool.query("SELECT id FROM relay WHERE url = 'wss://stale.example'"))
      .rows[0].id;
    const deleter = await db.pool.connect();
    try {
      await deleter.query("BEGIN");
      await deleter.query("DELETE FROM relay WHERE url = 'wss://stale.example'");
      // The cache still maps the URL to oldId: the archive must not write sightings for it.
      const second = fakeEvents("stale-b-", 5);
      const archive = archiveEvents(db.pool, on(second, "wss://stale.example"), {
        profile: "bigbrotr",
        relayIds: cache,
      });
      await waitForLockWait(db.pool, 300);
      await deleter.query("COMMIT");
      const result = await archive;
      expect(result).toMatchObject({ events: 5, eventRelays: 5, relays: 1 });
    } finally {
      deleter.release();
    }
    const { rows } = await db.pool.query("SELECT id FROM relay WHERE url = 'wss://stale.example'");
    expect(rows[0].id).not.toBe(oldId);
    expect(await count(db.pool, `event_relay WHERE relay_id = ${Number(oldId)}`)).toBe(0);
    expect(await count(db.pool, `event_relay WHERE relay_id = ${Number(rows[0].id)}`)).toBe(5);
    expect(await dangling(db)).toBe(0);
  });

  it("refuses sightings of an unknown relay or a missing event, writing nothing", async () => {
    const [kept] = fakeEvents("attack-kept-", 1);
    await archiveEvents(db.pool, on([kept!], "wss://known.example"), { profile: "bigbrotr" });
    const before = await count(db.pool, "event_relay");
    const [ghost] = fakeEvents("attack-ghost-", 1);
    const mixed = [
      { eventId: kept!.id, relayUrl: "wss://other-known.example", seenAt: 1 },
      { eventId: ghost!.id, relayUrl: "wss://known.example", seenAt: 1 },
    ];
    await db.pool.query(
      "INSERT INTO relay (url, network, discovered_at) VALUES ('wss://other-known.example', 'clearnet', 1)",
    );
    await expect(insertEventRelays(db.pool, mixed)).rejects.toThrow(/missing events/);
    await expect(
      insertEventRelays(db.pool, [
        { eventId: kept!.id, relayUrl: "wss://nope.example", seenAt: 1 },
      ]),
    ).rejects.toThrow(/unknown relays/);
    expect(await count(db.pool, "event_relay")).toBe(before);
  });

  it("never lets a relay or event id change, and TRUNCATE takes the sightings along", async () => {
    const events = fakeEvents("ids-", 3);
    await archiveEvents(db.pool, on(events, "wss://ids.example"), { profile: "bigbrotr" });
    await expect(
      db.pool.query("UPDATE relay SET id = DEFAULT WHERE url = 'wss://ids.example'"),
    ).rejects.toThrow(/never changes/);
    await expect(
      db.pool.query(
        "UPDATE event SET id = decode(repeat('ab', 32), 'hex') WHERE id = decode($1, 'hex')",
        [events[0]!.id],
      ),
    ).rejects.toThrow(/never changes/);
    await db.pool.query("TRUNCATE event");
    expect(await count(db.pool, "event_relay")).toBe(0);
    expect(await dangling(db)).toBe(0);
  });
});
