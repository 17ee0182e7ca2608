import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../../src/core/db/relays.js";
import { upsertServiceState } from "../../../../src/core/db/service-state/rows.js";
import {
  cursorRow,
  type Gap,
  relaysToSync,
  type SyncCursor,
  syncedSinceListed,
} from "../../../../src/core/db/service-state/sync-cursor.js";
import { readSyncStatus } from "../../../../src/core/db/service-state/sync-status.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";

const NOW = 1_800_000_000;
const gap = (since: number, reason: Gap["reason"] = "second-overflow"): Gap => ({
  since,
  until: since + 1,
  filter: { kinds: [1] },
  reason,
});
const cursor = (until: number, gaps: Gap[] = []): SyncCursor => ({
  until,
  filter: "{}",
  pageSize: 500,
  ascending: false,
  chunk: 86_400,
  gaps,
  path: null,
  relayLacks: 0,
  open: null,
});

describe("synchronizer status read", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("is all zeros without cursors", async () => {
    expect(await readSyncStatus(db.pool, { now: NOW })).toEqual({
      relays: 0,
      caughtUp: 0,
      notStarted: 0,
      oldestUntil: null,
      oldestUrl: null,
      gaps: 0,
      relaysWithGaps: 0,
      gapRelays: [],
      paths: [],
      relayLacks: 0,
      relaysLacking: 0,
    });
  });

  it("counts caught-up cursors, finds the oldest, and lists the relays with the most gaps", async () => {
    await upsertServiceState(db.pool, [
      cursorRow("wss://fresh.example", cursor(NOW - 600)),
      cursorRow("wss://edge.example", cursor(NOW - 3600, [gap(100)])),
      cursorRow("wss://old.example", cursor(NOW - 90 * 86_400)),
      cursorRow(
        "wss://gappy.example",
        cursor(NOW - 7200, [gap(10), gap(20, "ignores-bounds"), gap(30), gap(40)]),
      ),
      cursorRow("wss://new.example", cursor(-1)),
      // Malformed: until a string, gaps not an array. Counted, as not started and gapless.
      {
        serviceName: "synchronizer",
        stateType: "cursor",
        stateKey: "wss://broken.example",
        stateValue: { until: "soon", gaps: { since: 1 } },
      },
      // Another service's cursor and the synchronizer's checkpoint are not relay cursors.
      {
        serviceName: "finder",
        stateType: "cursor",
        stateKey: "wss://other.example",
        stateValue: { until: 1, gaps: [gap(1)] },
      },
      {
        serviceName: "synchronizer",
        stateType: "checkpoint",
        stateKey: "last_cycle",
        stateValue: { until: 1, gaps: [gap(1)] },
      },
    ]);
    const status = await readSyncStatus(db.pool, { now: NOW, limit: 5, windowsPerRelay: 3 });
    expect(status).toEqual({
      relays: 6,
      caughtUp: 2,
      notStarted: 2,
      oldestUntil: NOW - 90 * 86_400,
      oldestUrl: "wss://old.example",
      gaps: 5,
      relaysWithGaps: 2,
      gapRelays: [
        {
          url: "wss://gappy.example",
          gaps: 4,
          // The newest three, newest first.
          windows: [
            { since: 40, until: 41, reason: "second-overflow" },
            { since: 30, until: 31, reason: "second-overflow" },
            { since: 20, until: 21, reason: "ignores-bounds" },
          ],
        },
        {
          url: "wss://edge.example",
          gaps: 1,
          windows: [{ since: 100, until: 101, reason: "second-overflow" }],
        },
      ],
      paths: [],
      relayLacks: 0,
      relaysLacking: 0,
    });
    const wider = await readSyncStatus(db.pool, { now: NOW, caughtUpWithin: 86_400, limit: 1 });
    expect(wider.caughtUp).toBe(3);
    expect(wider.gapRelays.map((r) => r.url)).toEqual(["wss://gappy.example"]);
  });

  it("counts relays by sync path and reason, and what their NIP-77 sets lack", async () => {
    const path = (p: "negentropy" | "req", reason: string, detail: string) =>
      ({ path: p, reason, detail, at: NOW }) as SyncCursor["path"];
    await db.pool.query("DELETE FROM service_state");
    await upsertServiceState(db.pool, [
      cursorRow("wss://n1.example", {
        ...cursor(NOW),
        path: path("negentropy", "nip11", "NIP-11 lists 77"),
        relayLacks: 3,
      }),
      cursorRow("wss://n2.example", {
        ...cursor(NOW),
        path: path("negentropy", "nip11", "NIP-11 lists 77"),
        relayLacks: 2,
      }),
      cursorRow("wss://r1.example", {
        ...cursor(NOW),
        path: path("req", "unsupported", "NOTICE x"),
      }),
      cursorRow("wss://old.example", cursor(NOW)),
      {
        serviceName: "synchronizer",
        stateType: "cursor",
        stateKey: "wss://broken.example",
        stateValue: { until: 1, sync_path: { path: 7 }, relay_lacks: "many" },
      },
    ]);
    const status = await readSyncStatus(db.pool, { now: NOW });
    expect(status.paths).toEqual([
      {
        path: "negentropy",
        reason: "nip11",
        relays: 2,
        example: "wss://n1.example",
        detail: "NIP-11 lists 77",
      },
      {
        path: "req",
        reason: "unsupported",
        relays: 1,
        example: "wss://r1.example",
        detail: "NOTICE x",
      },
    ]);
    expect(status).toMatchObject({ relayLacks: 5, relaysLacking: 2 });
  });
});

describe("syncedSinceListed", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("tells a relay another replica synced after this one listed it, and only that", async () => {
    const urls = ["wss://never.example", "wss://mine.example", "wss://theirs.example"];
    await insertRelays(
      db.pool,
      urls.map((url) => ({ url, network: "clearnet" as const, discoveredAt: 1 })),
    );
    await upsertServiceState(db.pool, [
      cursorRow("wss://mine.example", cursor(NOW - 600)),
      cursorRow("wss://theirs.example", cursor(NOW - 600)),
    ]);
    const listed = await relaysToSync(db.pool, {
      networks: ["clearnet"],
      requireReadable: false,
      checkedSince: 0,
    });
    expect(listed.map((r) => r.url).sort()).toEqual([...urls].sort());
    // Another replica syncs "theirs" and a first-time relay after the listing.
    await upsertServiceState(db.pool, [
      cursorRow("wss://theirs.example", cursor(NOW)),
      cursorRow("wss://never.example", cursor(NOW)),
    ]);
    const verdicts = await Promise.all(
      listed.map(async (r) => [r.url, await syncedSinceListed(db.pool, r)]),
    );
    expect(Object.fromEntries(verdicts)).toEqual({
      "wss://never.example": true,
      "wss://mine.example": false,
      "wss://theirs.example": true,
    });
  });
});
