import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ArchiveItem, archiveEvents } from "../../../src/core/db/archive.js";
import { DbError, ForeignKeyViolation } from "../../../src/core/db/errors.js";
import { insertEventRelays } from "../../../src/core/db/event-relays.js";
import { insertEvents } from "../../../src/core/db/events.js";
import type { Profile } from "../../../src/core/db/migrate.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { eventColumns, preparedEvent } from "../../../src/models/prepared-event.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { count, fakeEvent, fakeEvents, TRICKY } from "./helpers.js";

const PROFILES: Profile[] = ["bigbrotr", "lilbrotr"];

function sightings(events: NostrEvent[], relays: string[], seenAt = 1_700_100_000): ArchiveItem[] {
  return events.flatMap((event) =>
    relays.map((relayUrl) => ({ event, relayUrl, network: "clearnet" as const, seenAt })),
  );
}

describe.each(PROFILES)("archiveEvents (%s)", (profile) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ profile });
  });
  afterAll(async () => {
    await db.drop();
  });

  it("inserts missing relays, events and sightings in one call, ignoring repeats", async () => {
    const events = fakeEvents("arch-", 20);
    const items = sightings(events, ["wss://a.example", "wss://b.example"]);
    const first = await archiveEvents(db.pool, [...items, ...items.slice(0, 5)], { profile });
    expect(first).toEqual({ events: 20, eventRelays: 40, relays: 2, rejected: [] });
    const again = sightings(events, ["wss://b.example", "wss://c.example"]);
    const second = await archiveEvents(db.pool, again, { profile });
    expect(second).toEqual({ events: 0, eventRelays: 20, relays: 1, rejected: [] });
    const { rows } = await db.pool.query(
      "SELECT discovered_at FROM relay WHERE url = 'wss://c.example'",
    );
    expect(rows[0].discovered_at).toBe(1_700_100_000);
  });

  it("mixes new events (sightings copied straight in) and known ones (conflicts checked)", async () => {
    const old = fakeEvents("mix-old-", 3);
    await archiveEvents(db.pool, sightings(old, ["wss://m1.example"]), { profile });
    const fresh = fakeEvents("mix-new-", 3);
    const batch = sightings([...old, ...fresh], ["wss://m1.example", "wss://m2.example"]);
    const result = await archiveEvents(db.pool, [...batch, ...batch], { profile });
    // 3 new events; sightings: 3 new on m1 + 3 new on m2, and old events only on m2 (m1 known).
    expect(result).toEqual({ events: 3, eventRelays: 9, relays: 1, rejected: [] });
    const ids = [...old, ...fresh].map((e) => `decode('${e.id}', 'hex')`).join(", ");
    expect(await count(db.pool, `event_relay WHERE event_id IN (${ids})`)).toBe(12);
  });

  it("sends no event believed archived that is, and writes one believed archived that is not", async () => {
    const [kept, gone, fresh] = fakeEvents("belief-", 3) as [NostrEvent, NostrEvent, NostrEvent];
    await archiveEvents(db.pool, sightings([kept], ["wss://bel1.example"]), { profile });
    // `kept` is archived, `gone` never was (as after a relay delete took it), `fresh` is new.
    // A copy of `kept` that PostgreSQL would refuse shows that it was not sent again.
    const unsendable = { ...kept, content: "\u0000" };
    const believed = new Set([kept.id, gone.id]);
    const result = await archiveEvents(
      db.pool,
      sightings([unsendable, gone, fresh], ["wss://bel2.example"]),
      { profile, stored: (id) => believed.has(id) },
    );
    expect(result).toEqual({ events: 2, eventRelays: 3, relays: 1, rejected: [] });
    const ids = [kept, gone, fresh].map((e) => `decode('${e.id}', 'hex')`).join(", ");
    expect(await count(db.pool, `event WHERE id IN (${ids})`)).toBe(3);
    expect(await count(db.pool, `event_relay WHERE event_id IN (${ids})`)).toBe(4);
  });

  it("drops the sightings of rejected events and keeps the rest", async () => {
    const good = fakeEvent("arch-good");
    const bad = fakeEvent("arch-bad", { content: "\u0000" });
    const result = await archiveEvents(db.pool, sightings([bad, good], ["wss://d.example"]), {
      profile,
    });
    expect(result).toEqual({
      events: 1,
      eventRelays: 1,
      relays: 1,
      rejected: [{ id: bad.id, reason: "unstorable: NUL character" }],
    });
  });

  it("writes 10,000+ sightings in one call through COPY, and the same through unnest", async () => {
    const events = fakeEvents("big-", 3000);
    const relays = ["wss://r1.example", "wss://r2.example", "wss://r3.example", "wss://r4.example"];
    const items = sightings(events, relays);
    const copy = await archiveEvents(db.pool, items, { profile });
    expect(copy).toEqual({ events: 3000, eventRelays: 12_000, relays: 4, rejected: [] });
    const more = sightings(fakeEvents("big-unnest-", 3000), relays);
    const unnest = await archiveEvents(db.pool, more, {
      profile,
      eventCopyThreshold: Number.POSITIVE_INFINITY,
      eventRelayCopyThreshold: Number.POSITIVE_INFINITY,
    });
    expect(unnest).toEqual({ events: 3000, eventRelays: 12_000, relays: 0, rejected: [] });
  });

  it("rolls back everything when its last statement fails, after events were written", async () => {
    const tables = ["relay", "event", "event_relay", "service_state"];
    const before = await Promise.all(tables.map((t) => count(db.pool, t)));
    const items = sightings(fakeEvents("rollback-", 5), ["wss://e.example"]);
    // The cursor is written last; a state_type outside the CHECK makes that statement fail.
    const cursor = [
      { serviceName: "t", stateType: "bogus" as never, stateKey: "k", stateValue: { n: 1 } },
    ];
    const failure = await archiveEvents(db.pool, items, { profile, cursor }).catch((e) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as { code?: string }).code).toBe("23514");
    expect(await Promise.all(tables.map((t) => count(db.pool, t)))).toEqual(before);
  });

  it("commits the cursor with the batch, asynchronously only inside that transaction", async () => {
    const items = sightings(fakeEvents("cursor-", 3), ["wss://cur.example"]);
    const cursor = [
      {
        serviceName: "sync",
        stateType: "cursor" as const,
        stateKey: "wss://cur.example",
        stateValue: { at: 9 },
      },
    ];
    const client = await db.pool.connect();
    const setting = async () =>
      (await client.query("SHOW synchronous_commit")).rows[0].synchronous_commit;
    try {
      await client.query("SET synchronous_commit = on");
      await client.query("BEGIN");
      await archiveEvents(client, items.slice(0, 1), { profile, cursor, asyncCommit: true });
      expect(await setting()).toBe("off");
      await client.query("COMMIT");
      // SET LOCAL: the session's setting is back once the archive transaction ends.
      expect(await setting()).toBe("on");
    } finally {
      await client.query("RESET synchronous_commit");
      client.release();
    }
    const done = await archiveEvents(db.pool, items, { profile, cursor, asyncCommit: true });
    expect(done.events).toBe(2);
    const { rows } = await db.pool.query(
      "SELECT state_value FROM service_state WHERE service_name = 'sync' AND state_key = 'wss://cur.example'",
    );
    expect(rows[0].state_value).toEqual({ at: 9 });
    await expect(
      archiveEvents(db.pool, items, { profile, asyncCommit: true } as never),
    ).rejects.toThrow(/only allowed with a cursor/);
  });

  it("records the transaction that first stored each event, and keeps it", async () => {
    const [event] = fakeEvents("stored-xid-", 1);
    const on = (relayUrl: string): ArchiveItem[] => [
      { event: event!, relayUrl, network: "clearnet", seenAt: 500 },
    ];
    const client = await db.pool.connect();
    let xid: string;
    try {
      await client.query("BEGIN");
      await archiveEvents(client, on("wss://x1.example"), { profile });
      xid = (await client.query("SELECT pg_current_xact_id()::text AS x")).rows[0].x;
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    await archiveEvents(db.pool, on("wss://x2.example"), { profile });
    const { rows } = await db.pool.query(
      "SELECT stored_xid::text AS x FROM event WHERE id = decode($1, 'hex')",
      [event!.id],
    );
    expect(rows[0].x).toBe(xid);
  });

  it("deleting a relay or an event removes its sightings", async () => {
    const events = fakeEvents("cascade-", 4);
    await archiveEvents(db.pool, sightings(events, ["wss://gone.example", "wss://kept.example"]), {
      profile,
    });
    await db.pool.query("DELETE FROM relay WHERE url = 'wss://gone.example'");
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM event_relay
       WHERE relay_id NOT IN (SELECT id FROM relay)`,
    );
    expect(rows[0]?.n).toBe(0);
    await db.pool.query("DELETE FROM event WHERE id = decode($1, 'hex')", [events[0]?.id]);
    const left = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM event_relay WHERE event_id = decode($1, 'hex')",
      [events[0]?.id],
    );
    expect(left.rows[0]?.n).toBe(0);
  });
});

describe("insertEventRelays", () => {
  it("needs existing events and relays, and ignores duplicates on both paths", async () => {
    const db = await createTestDatabase();
    try {
      const events = fakeEvents("er-", 10);
      await insertEvents(db.pool, events, { profile: "bigbrotr" });
      await insertRelays(db.pool, [
        { url: "wss://x.example", network: "clearnet", discoveredAt: 1 },
      ]);
      const rows = events.map((e) => ({ eventId: e.id, relayUrl: "wss://x.example", seenAt: 5 }));
      expect(await insertEventRelays(db.pool, [...rows, ...rows])).toBe(10);
      expect(await insertEventRelays(db.pool, rows, { copyThreshold: 0 })).toBe(0);
      const orphan = {
        eventId: fakeEvent("er-missing").id,
        relayUrl: "wss://x.example",
        seenAt: 5,
      };
      const missing = await insertEventRelays(db.pool, [orphan]).catch((e) => e);
      expect(missing).toBeInstanceOf(ForeignKeyViolation);
      expect((missing as Error).message).toContain("missing events");
      const unknownRelay = { ...rows[0]!, relayUrl: "wss://never-seen.example" };
      const unknown = await insertEventRelays(db.pool, [unknownRelay]).catch((e) => e);
      expect(unknown).toBeInstanceOf(ForeignKeyViolation);
      expect(unknown).toBeInstanceOf(DbError);
      expect((unknown as Error).message).toContain("unknown relays: wss://never-seen.example");
      expect(await count(db.pool, "event_relay")).toBe(10);
    } finally {
      await db.drop();
    }
  });
});

/** As the verifier's threads hand events over: the archive columns computed, tags unparsed. */
const prepared = (ev: NostrEvent) => {
  const { tags: _tags, ...fields } = ev;
  return preparedEvent(fields, { ...eventColumns(ev), sigTag: "" });
};

describe.each(PROFILES)("archiveEvents of prepared events (%s)", (profile) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ profile });
  });
  afterAll(async () => {
    await db.drop();
  });

  it.each([
    ["COPY", 0],
    ["unnest", Number.POSITIVE_INFINITY],
  ])("stores through %s the rows their parsed events would give", async (path, threshold) => {
    const plain = TRICKY.map((t, i) => fakeEvent(`prep-${path}-${i}`, t));
    const twins = TRICKY.map((t, i) => fakeEvent(`twin-${path}-${i}`, t));
    const options = { profile, eventCopyThreshold: threshold };
    await archiveEvents(db.pool, sightings(plain, ["wss://plain.example"]), options);
    const result = await archiveEvents(
      db.pool,
      sightings(twins.map(prepared), ["wss://prepared.example"]),
      options,
    );
    expect(result).toMatchObject({ events: twins.length, rejected: [] });
    const columns = profile === "bigbrotr" ? "tags, content, tagvalues" : "tagvalues";
    const rows = async (list: NostrEvent[]) => {
      const { rows } = await db.pool.query(
        `SELECT ${columns} FROM event WHERE id = ANY($1::bytea[])`,
        [list.map((e) => Buffer.from(e.id, "hex"))],
      );
      return rows.map((r) => JSON.stringify(r)).sort();
    };
    expect(await rows(twins)).toEqual(await rows(plain));
    expect((await rows(twins)).length).toBe(TRICKY.length);
  });

  it("refuses a prepared event PostgreSQL cannot store, as a parsed one", async () => {
    const bad = fakeEvent("prep-nul", { content: "nul \u0000" });
    const result = await archiveEvents(
      db.pool,
      sightings([prepared(bad)], ["wss://prepared.example"]),
      { profile },
    );
    expect(result.rejected).toEqual([{ id: bad.id, reason: "unstorable: NUL character" }]);
  });
});
