import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DbError } from "../../../src/core/db/errors.js";
import {
  isStatisticsView,
  refreshAllViews,
  refreshView,
  STATISTICS_VIEWS,
  type StatisticsViewName,
  type ViewRefreshResult,
} from "../../../src/core/db/views.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { rows } from "./dataset.js";

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

async function populated(name: string): Promise<boolean> {
  const [row] = await rows<{ p: boolean }>(
    db.pool,
    `SELECT ispopulated AS p FROM pg_matviews WHERE matviewname = '${name}'`,
  );
  return row?.p ?? false;
}

describe("STATISTICS_VIEWS", () => {
  it("lists exactly the database's materialized views, each after the views it reads", async () => {
    const inDb = await rows<{ name: string }>(
      db.pool,
      "SELECT matviewname AS name FROM pg_matviews WHERE schemaname = 'public'",
    );
    expect(inDb.map((r) => r.name).sort()).toEqual(STATISTICS_VIEWS.map((v) => v.name).sort());
    // The real dependencies, from the views' rewrite rules.
    const deps = await rows<{ view: string; dep: string }>(
      db.pool,
      `SELECT DISTINCT v.relname AS view, d.relname AS dep
         FROM pg_rewrite r
         JOIN pg_class v ON v.oid = r.ev_class
         JOIN pg_depend dp ON dp.classid = 'pg_rewrite'::regclass AND dp.objid = r.oid
         JOIN pg_class d ON d.oid = dp.refobjid
        WHERE v.relkind = 'm' AND d.relkind = 'm' AND d.oid <> v.oid`,
    );
    const declared = STATISTICS_VIEWS.flatMap((v) =>
      v.dependsOn.map((dep) => ({ view: v.name, dep })),
    );
    expect(deps).toEqual(expect.arrayContaining(declared));
    expect(deps).toHaveLength(declared.length);
    const position = new Map(STATISTICS_VIEWS.map((v, i) => [v.name as string, i]));
    for (const { view, dep } of declared) {
      expect(position.get(dep)).toBeLessThan(position.get(view) ?? -1);
    }
  });

  it("validates names before any SQL is sent", async () => {
    expect(isStatisticsView("kind_counts")).toBe(true);
    expect(isStatisticsView("relay")).toBe(false);
    const evil = "kind_counts; DROP TABLE relay" as StatisticsViewName;
    await expect(refreshView(db.pool, evil)).rejects.toBeInstanceOf(TypeError);
    await expect(refreshAllViews(db.pool, { views: [evil] })).rejects.toBeInstanceOf(TypeError);
    expect(await rows(db.pool, "SELECT to_regclass('relay') IS NOT NULL AS ok")).toEqual([
      { ok: true },
    ]);
  });
});

describe("refreshView", () => {
  it("populates a never-refreshed view (CONCURRENTLY would refuse) and reports a duration", async () => {
    expect(await populated("kind_counts")).toBe(false);
    await expect(db.pool.query("SELECT * FROM kind_counts")).rejects.toMatchObject({
      code: "55000",
    });
    const ms = await refreshView(db.pool, "kind_counts");
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(await populated("kind_counts")).toBe(true);
    expect(await rows(db.pool, "SELECT * FROM kind_counts")).toEqual([]);
  });

  it("refreshes concurrently once populated: readers are not blocked and see new data", async () => {
    await refreshView(db.pool, "kind_counts");
    await db.pool.query(
      "INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig) VALUES ($1, $2, 1, 7, '{}', '[]', '', $3)",
      [Buffer.alloc(32, 1), Buffer.alloc(32, 2), Buffer.alloc(64)],
    );
    const reader = new pg.Client({ connectionString: db.url });
    const refresher = new pg.Client({ connectionString: db.url });
    await Promise.all([reader.connect(), refresher.connect()]);
    try {
      await reader.query("BEGIN");
      await reader.query("SELECT count(*) FROM kind_counts"); // holds ACCESS SHARE until COMMIT
      await refresher.query("SET lock_timeout = '500ms'");
      await refreshView(refresher, "kind_counts"); // EXCLUSIVE lock: compatible with readers
      await expect(
        refreshView(refresher, "kind_counts", { concurrently: false }),
      ).rejects.toMatchObject(
        { code: "55P03" }, // a plain refresh needs ACCESS EXCLUSIVE and times out
      );
      await reader.query("COMMIT");
    } finally {
      await Promise.all([reader.end(), refresher.end()]);
    }
    expect(await rows(db.pool, "SELECT kind, event_count FROM kind_counts")).toEqual([
      { kind: 7, event_count: 1 },
    ]);
  });
});

describe("refreshAllViews", () => {
  it("refreshes every view in dependency order", async () => {
    const seen: StatisticsViewName[] = [];
    const results = await refreshAllViews(db.pool, { onView: (name) => seen.push(name) });
    expect(results.map((r) => r.name)).toEqual(STATISTICS_VIEWS.map((v) => v.name));
    expect(seen).toEqual(results.map((r) => r.name));
    expect(results.every((r) => r.ok && r.durationMs >= 0 && r.error === undefined)).toBe(true);
    // Second round: everything is populated, so this one runs CONCURRENTLY.
    expect((await refreshAllViews(db.pool)).every((r) => r.ok)).toBe(true);
  });

  it("keeps going past a view that fails and reports it", async () => {
    await db.pool.query("DROP MATERIALIZED VIEW network_stats");
    const reported: ViewRefreshResult[] = [];
    const results = await refreshAllViews(db.pool, { onView: (_, r) => reported.push(r) });
    expect(reported).toEqual(results);
    const failed = results.filter((r) => !r.ok);
    expect(failed.map((r) => r.name)).toEqual(["network_stats"]);
    expect(failed[0]?.error).toBeInstanceOf(DbError);
    expect(failed[0]?.error).toMatchObject({ code: "42P01" });
    expect(results.filter((r) => r.ok)).toHaveLength(STATISTICS_VIEWS.length - 1);
    expect(await populated("supported_nip_counts")).toBe(true); // after the failure
  });

  it("refreshes a chosen subset, still in dependency order", async () => {
    const results = await refreshAllViews(db.pool, {
      views: ["supported_nip_counts", "relay_metadata_latest"],
      concurrently: false,
    });
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ["relay_metadata_latest", true],
      ["supported_nip_counts", true],
    ]);
    expect(await populated("kind_counts")).toBe(false);
  });
});
