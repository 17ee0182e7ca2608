import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { thinRelayMetadata } from "../../../src/core/db/relay-metadata.js";
import { deleteOrphanCandidates } from "../../../src/core/db/statistics/orphans.js";
import { refreshStatistics } from "../../../src/core/db/statistics/refresh.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { RandomArchive } from "../../support/random-archive.js";
import { expectStatisticsExact } from "../../support/statistics-exact.js";
import { mismatchedStatistics } from "../../support/statistics-recount.js";

const NOW = 1_790_000_000;
let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

const hexIds = (a: RandomArchive, n: number) =>
  Array.from({ length: n }, () => Buffer.from(a.pick(a.events).id, "hex"));

/** One random change through a write path (or a hand-written delete). */
async function mutate(pool: pg.Pool, a: RandomArchive): Promise<string> {
  const op = a.int(10);
  if (op <= 2 || a.events.length === 0) {
    await a.archive(pool, 5 + a.int(25), a.int(10));
    return "archive";
  }
  if (op === 3) {
    await a.sightings(pool, 1 + a.int(8));
    return "sightings";
  }
  if (op === 4) {
    await a.checks(pool, 2 + a.int(8));
    return "checks";
  }
  if (op === 5 && a.relays.length > 3) {
    const gone = a.relays.splice(a.int(a.relays.length), 1)[0];
    await pool.query("DELETE FROM relay WHERE url = $1", [gone?.url]);
    return "relay delete";
  }
  if (op === 6) {
    await pool.query("DELETE FROM event WHERE id = ANY($1)", [hexIds(a, 1 + a.int(4))]);
    return "event delete";
  }
  if (op === 7) {
    await pool.query("DELETE FROM event_relay WHERE event_id = ANY($1)", [hexIds(a, 2)]);
    return "sighting delete";
  }
  if (op === 8) {
    await deleteOrphanCandidates(pool, { batchSize: 1 + a.int(5) });
    return "orphan cleanup";
  }
  const policy = a.pick(["downsample", "drop"] as const);
  await thinRelayMetadata(pool, { policy, from: 0, before: NOW - a.int(40) * 86_400 });
  return `retention ${policy}`;
}

describe.each(["bigbrotr", "lilbrotr"] as const)("random archives (%s)", (profile) => {
  it("equal a recount after every cycle, whatever was added or deleted", async () => {
    db = await createTestDatabase({ profile });
    const a = new RandomArchive(profile, profile === "bigbrotr" ? 7 : 11, NOW);
    await a.archive(db.pool, 40, 0);
    await a.checks(db.pool, 10);
    for (let round = 0; round < 14; round++) {
      const ops: string[] = [];
      for (let k = 1 + a.int(4); k > 0; k--) ops.push(await mutate(db.pool, a));
      // Small chunks: a cycle takes several transactions, in each phase.
      const report = await refreshStatistics(db.pool, { now: NOW, chunkRows: 3 + a.int(40) });
      expect(report.complete).toBe(true);
      await expectStatisticsExact(db.pool, profile, `after round ${round}: ${ops.join(", ")}`);
    }
    // The check without a test runner (what bench:scale reports as stats_exact) agrees.
    expect(await mismatchedStatistics(db.pool, profile)).toEqual([]);
    await db.pool.query("UPDATE stats_kind SET event_count = event_count + 1");
    expect(await mismatchedStatistics(db.pool, profile)).toEqual(["event_stats", "kind_counts"]);
  });
});
