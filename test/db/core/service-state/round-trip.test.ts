import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveEvents } from "../../../../src/core/db/archive.js";
import { recordRelayMetadata } from "../../../../src/core/db/relay-metadata.js";
import { insertRelays } from "../../../../src/core/db/relays.js";
import {
  countCandidates,
  countDueCandidates,
  fetchDueCandidates,
  insertCandidates,
  listCandidates,
  recordCandidateFailures,
} from "../../../../src/core/db/service-state/candidates.js";
import {
  deleteStaleFinderState,
  type FinderCursor,
  readFinderCursor,
  readSourceCheckpoints,
  writeFinderCursor,
  writeSourceCheckpoint,
} from "../../../../src/core/db/service-state/finder-state.js";
import {
  readLastCycles,
  recordLastCycle,
} from "../../../../src/core/db/service-state/last-cycle.js";
import {
  countDueRelays,
  deleteOrphanCheckpoints,
  dueRelays,
  readMonitorMark,
  readMonitorStatus,
  relayCheckpointRow,
  writeMonitorMark,
} from "../../../../src/core/db/service-state/monitor-checkpoint.js";
import {
  cursorRow,
  parseCursor,
  relaysToSync,
  type SyncCursor,
} from "../../../../src/core/db/service-state/sync-cursor.js";
import { readSyncStatus } from "../../../../src/core/db/service-state/sync-status.js";
import { readOverview } from "../../../../src/core/db/status/overview.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";

/**
 * Every saved document, written through its writer and read back through every reader (the
 * service's own load, the selection of due relays, `bigbrotr status`): a key the writer and a
 * reader spell differently fails here. Every field has a value other than its default, so a
 * reader that falls back to the default for a key it cannot find is caught too.
 */
const NOW = 1_800_000_000;
const relay = (url: string) => ({ url, network: "clearnet" as const, discoveredAt: 1 });

describe("saved documents round-trip through every reader", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("the synchronizer's cursor", async () => {
    const filter = { kinds: [1, 7] };
    const cursor: SyncCursor = {
      ...parseCursor(null, filter),
      until: NOW - 600,
      pageSize: 321,
      ascending: true,
      chunk: 777,
      gaps: [
        { since: 10, until: 11, filter, reason: "second-overflow" },
        { since: 20, until: 29, filter, reason: "ignores-bounds" },
      ],
      path: { path: "negentropy", reason: "probe", detail: "worked", at: NOW - 5 },
      relayLacks: 4,
      open: { since: NOW - 599, until: NOW, low: NOW - 500, high: NOW - 100, gaps: [] },
    };
    const [behind, ahead, fresh] = [
      "wss://behind.example",
      "wss://ahead.example",
      "wss://new.example",
    ];
    await insertRelays(db.pool, [relay(behind), relay(ahead), relay(fresh)]);
    // The writer: the archive transaction that carries the cursor.
    await archiveEvents(db.pool, [], {
      profile: "bigbrotr",
      cursor: [cursorRow(behind, cursor), cursorRow(ahead, { ...cursor, until: NOW - 60 })],
    });

    // The service's own load.
    const relays = await relaysToSync(db.pool, {
      networks: ["clearnet"],
      requireReadable: false,
      checkedSince: 0,
    });
    // Most behind first: no cursor, then by `until`.
    expect(relays.map((r) => r.url)).toEqual([fresh, behind, ahead]);
    expect(parseCursor(relays[1]?.cursor ?? null, filter)).toEqual(cursor);

    // `bigbrotr status`.
    const status = await readSyncStatus(db.pool, { now: NOW, caughtUpWithin: 300 });
    expect(status).toMatchObject({
      relays: 2,
      caughtUp: 1,
      notStarted: 0,
      oldestUntil: cursor.until,
      oldestUrl: behind,
      gaps: 4,
      relaysWithGaps: 2,
      relayLacks: 8,
      relaysLacking: 2,
    });
    expect(status.gapRelays[0]?.windows).toEqual([
      { since: 20, until: 29, reason: "ignores-bounds" },
      { since: 10, until: 11, reason: "second-overflow" },
    ]);
    expect(status.paths).toEqual([
      { path: "negentropy", reason: "probe", relays: 2, example: ahead, detail: "worked" },
    ]);
  });

  it("the monitor's checkpoints", async () => {
    const urls = ["wss://m1.example", "wss://m2.example", "wss://m3.example"];
    await insertRelays(db.pool, urls.map(relay));
    // The writer: the history transaction that carries each relay's checkpoint.
    const at = [NOW - 7200, NOW - 60];
    await recordRelayMetadata(
      db.pool,
      [0, 1].map((i) => ({
        relay: relay(urls[i] as string),
        type: "nip66_rtt" as const,
        data: { data: { rtt_open: 5 } },
        generatedAt: at[i] as number,
      })),
      { checkpoints: [0, 1].map((i) => relayCheckpointRow(urls[i] as string, at[i] as number)) },
    );
    const selection = { networks: ["clearnet" as const], checkedBefore: NOW - 3600, now: NOW };
    const due = await dueRelays(db.pool, { ...selection, limit: 100, urls });
    expect(due.map((r) => [r.url, r.checkedAt])).toEqual([
      [urls[2], null],
      [urls[0], at[0]],
    ]);
    const counted = await countDueRelays(db.pool, ["clearnet"], NOW - 3600);
    const notChecked = (await db.pool.query("SELECT count(*)::int AS n FROM relay")).rows[0].n - 2;
    expect(counted.get("clearnet")).toBe(notChecked + 1);
    expect(await readMonitorStatus(db.pool, { now: NOW, recentWithin: 600 })).toMatchObject({
      checked: 2,
      recent: 1,
      up: 2,
      oldestCheck: at[0],
    });

    // The periodic events' marks, and the cleanup that keeps them.
    await writeMonitorMark(db.pool, "profile", NOW - 30);
    expect(await readMonitorMark(db.pool, "profile")).toBe(NOW - 30);
    expect(await readMonitorMark(db.pool, "relay_list")).toBeNull();
    await db.pool.query("DELETE FROM relay WHERE url = $1", [urls[0]]);
    expect(await deleteOrphanCheckpoints(db.pool, ["profile"])).toBe(1);
    expect(await readMonitorMark(db.pool, "profile")).toBe(NOW - 30);
  });

  it("the monitor's run durations: due relays start slowest first, unknown ones before them", async () => {
    const urls = [
      "wss://fast.example",
      "wss://slow.example",
      "wss://mid.example",
      "wss://new.example",
    ];
    await insertRelays(db.pool, urls.map(relay));
    const ms = [120, 20_400, 3_200];
    await recordRelayMetadata(
      db.pool,
      [0, 1, 2].map((i) => ({
        relay: relay(urls[i] as string),
        type: "nip66_rtt" as const,
        data: { data: { rtt_open: 5 } },
        generatedAt: NOW - 7200 + i,
      })),
      {
        checkpoints: [0, 1, 2].map((i) =>
          relayCheckpointRow(urls[i] as string, NOW - 7200 + i, ms[i]),
        ),
      },
    );
    const selection = { networks: ["clearnet" as const], checkedBefore: NOW - 3600, now: NOW };
    const due = await dueRelays(db.pool, { ...selection, limit: 100, urls });
    expect(due.map((r) => r.url)).toEqual([urls[3], urls[1], urls[2], urls[0]]);
  });

  it("the finder's cursor and source checkpoints", async () => {
    expect(await readFinderCursor(db.pool)).toBeNull();
    const cursor: FinderCursor = { xid: "12345", id: "ab".repeat(32), kinds: [2, 3] };
    await writeFinderCursor(db.pool, cursor, NOW);
    expect(await readFinderCursor(db.pool)).toEqual(cursor);
    await writeSourceCheckpoint(db.pool, "https://a.example/relays", NOW - 10);
    await writeSourceCheckpoint(db.pool, "https://gone.example/relays", NOW - 20);
    expect(await readSourceCheckpoints(db.pool)).toEqual(
      new Map([
        ["https://a.example/relays", NOW - 10],
        ["https://gone.example/relays", NOW - 20],
      ]),
    );
    expect(await deleteStaleFinderState(db.pool, ["https://a.example/relays"])).toBe(1);
    expect([...(await readSourceCheckpoints(db.pool)).keys()]).toEqual([
      "https://a.example/relays",
    ]);
    expect(await readFinderCursor(db.pool)).toEqual(cursor);
  });

  it("the validator's candidates", async () => {
    const url = "wss://candidate.example";
    await insertCandidates(db.pool, [{ url, network: "tor", source: "seed" }], NOW - 100);
    await recordCandidateFailures(
      db.pool,
      [{ url, failures: 3, nextAttempt: NOW - 1, reason: "refused" }],
      NOW - 50,
    );
    const [due] = await fetchDueCandidates(db.pool, ["tor"], NOW, 10);
    expect(due).toEqual({
      url,
      network: "tor",
      failures: 3,
      firstSeen: NOW - 100,
      lastAttempt: NOW - 50,
      nextAttempt: NOW - 1,
      reason: "refused",
      source: "seed",
    });
    expect((await fetchDueCandidates(db.pool, ["tor"], NOW - 2, 10)).length).toBe(0);
    expect((await countDueCandidates(db.pool, ["tor"], NOW)).get("tor")).toBe(1);
    expect((await countCandidates(db.pool)).get("tor")).toBe(1);
    const listed = await listCandidates(db.pool, { networks: ["tor"], limit: 10 });
    expect(listed).toEqual({ candidates: [due], total: 1 });
    const overview = await readOverview(db.pool);
    expect(overview.networks.find((n) => n.network === "tor")?.candidates).toBe(1);
  });

  it("each service's last cycle", async () => {
    const report = { probed: 2 };
    await recordLastCycle(
      db.pool,
      "validator",
      { ok: false, durationMs: 12, error: new Error("boom"), report },
      3,
      NOW,
    );
    const cycles = await readLastCycles(db.pool);
    expect(cycles.find((c) => c.service === "validator")).toEqual({
      service: "validator",
      at: NOW,
      ok: false,
      durationMs: 12,
      consecutiveFailures: 3,
      error: "boom",
      report,
    });
  });
});
