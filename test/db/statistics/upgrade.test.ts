import { afterEach, describe, expect, it } from "vitest";
import { migrate } from "../../../src/core/db/migrate.js";
import { refreshStatistics } from "../../../src/core/db/statistics/refresh.js";
import { createEmptyDatabase, type TestDatabase } from "../../support/pg.js";
import { RandomArchive } from "../../support/random-archive.js";
import { expectStatisticsExact } from "../../support/statistics-exact.js";
import { STATISTICS } from "../../support/statistics-recount.js";

const NOW = 1_790_000_000;
let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

async function dump(pool: TestDatabase["pool"]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const name of STATISTICS) {
    const { rows } = await pool.query(
      `SELECT (to_jsonb(v) - 'refreshed_at')::text AS j FROM ${name} v ORDER BY 1`,
    );
    out.set(
      name,
      rows.map((r) => r.j),
    );
  }
  return out;
}

describe.each(["bigbrotr", "lilbrotr"] as const)("000008 on a filled archive (%s)", (profile) => {
  it("fills the summary tables with what the materialized views showed", async () => {
    db = await createEmptyDatabase();
    await migrate(db.pool, { profile, partitions: 3, until: 7 });
    // Today's writer also fills event_tag (000009): at version 7 it gets a stand-in, dropped
    // before the upgrade, which then fills the real one from the events' tagvalues.
    await db.pool.query("CREATE TABLE event_tag (tag bigint, created_at bigint, event_id bytea)");
    const a = new RandomArchive(profile, 31, NOW);
    for (let i = 0; i < 4; i++) await a.archive(db.pool, 25, 10);
    await a.checks(db.pool, 12);
    await db.pool.query("DELETE FROM relay WHERE url = $1", [a.relays[1]?.url]);
    for (const name of STATISTICS) await db.pool.query(`REFRESH MATERIALIZED VIEW ${name}`);
    const before = await dump(db.pool);
    await db.pool.query("DROP TABLE event_tag");

    expect((await migrate(db.pool, { profile, partitions: 3 })).applied).toContain(8);
    // The fill counted everything; the first cycle only measures the windows.
    const report = await refreshStatistics(db.pool, { now: NOW });
    expect(report).toMatchObject({ complete: true, events: 0, sightings: 0 });
    const after = await dump(db.pool);
    for (const name of STATISTICS) {
      // The views of v2 measured their windows at their refresh; the cycle at NOW.
      if (name !== "event_stats") expect(after.get(name), name).toEqual(before.get(name));
    }
    await expectStatisticsExact(db.pool, profile);
    // And the archive goes on from there.
    await a.archive(db.pool, 10, 5);
    await refreshStatistics(db.pool, { now: NOW });
    await expectStatisticsExact(db.pool, profile);
  });
});
