import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveEvents } from "../../../src/core/db/archive.js";
import { insertEventRelays } from "../../../src/core/db/event-relays.js";
import { deleteOrphanEvents, insertEvents } from "../../../src/core/db/events.js";
import { deleteOrphanMetadata, insertMetadata } from "../../../src/core/db/metadata.js";
import { recordRelayMetadata } from "../../../src/core/db/relay-metadata.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { count, fakeEvents, waitForLockWait } from "./helpers.js";

describe("orphan cleanup", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("deletes events no relay references, in batches, and keeps the referenced ones", async () => {
    await insertEvents(db.pool, fakeEvents("orphan-", 25), { profile: "bigbrotr" });
    const kept = fakeEvents("kept-", 5);
    const items = kept.map((event) => ({
      event,
      relayUrl: "wss://k.example",
      network: "clearnet" as const,
      seenAt: 1,
    }));
    await archiveEvents(db.pool, items, { profile: "bigbrotr" });
    expect(await deleteOrphanEvents(db.pool, { batchSize: 10 })).toBe(25);
    expect(await count(db.pool, "event")).toBe(5);
    expect(await deleteOrphanEvents(db.pool)).toBe(0);
  });

  it("waits for a concurrent writer linking an orphan, so its new sighting survives", async () => {
    const [event] = fakeEvents("race-", 1);
    await insertEvents(db.pool, [event!], { profile: "bigbrotr" });
    await insertRelays(db.pool, [
      { url: "wss://race.example", network: "clearnet", discoveredAt: 1 },
    ]);
    const writer = await db.pool.connect();
    try {
      await writer.query("BEGIN");
      const row = { eventId: event!.id, relayUrl: "wss://race.example", seenAt: 2 };
      expect(await insertEventRelays(writer, [row])).toBe(1);
      const cleanup = deleteOrphanEvents(db.pool, { batchSize: 10 });
      await waitForLockWait(db.pool, 200);
      await writer.query("COMMIT");
      expect(await cleanup).toBe(0);
    } finally {
      writer.release();
    }
    expect(
      await count(
        db.pool,
        "event_relay er JOIN relay r ON r.id = er.relay_id WHERE r.url = 'wss://race.example'",
      ),
    ).toBe(1);
    expect(await deleteOrphanEvents(db.pool)).toBe(0);
  });

  it("stops between batches when the signal is aborted", async () => {
    await insertEvents(db.pool, fakeEvents("abort-", 30), { profile: "bigbrotr" });
    const controller = new AbortController();
    controller.abort();
    expect(await deleteOrphanEvents(db.pool, { batchSize: 10, signal: controller.signal })).toBe(0);
    expect(await deleteOrphanEvents(db.pool, { batchSize: 10 })).toBe(30);
  });

  it("deletes metadata no snapshot references", async () => {
    const docs = Array.from({ length: 7 }, (_, i) => ({
      type: "nip66_http" as const,
      data: { data: { http_server: `s${i}` }, logs: { success: true } },
    }));
    await insertMetadata(db.pool, docs);
    const relay = { url: "wss://meta.example", network: "clearnet" as const, discoveredAt: 1 };
    const used = { type: "nip66_http" as const, data: { data: { http_server: "used" } } };
    await recordRelayMetadata(db.pool, [{ relay, ...used, generatedAt: 1 }]);
    expect(await deleteOrphanMetadata(db.pool, { batchSize: 3 })).toBe(7);
    expect(await count(db.pool, "metadata")).toBe(1);
  });
});
