import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STATISTICS_VIEWS } from "../../../../src/core/db/views.js";
import { runOnce } from "../../../../src/core/service.js";
import { refresherConfigSchema } from "../../../../src/services/refresher/config.js";
import { createRefresher } from "../../../../src/services/refresher/service.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { createTestContext } from "../../../support/service-context.js";

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

const hex = (c: string) => Buffer.from(c.repeat(64), "hex");
const deps = { brotr: {} as never };

async function seedEvents(): Promise<void> {
  await db.pool.query(
    "INSERT INTO relay (url, network, discovered_at) VALUES ('wss://a.example', 'clearnet', 1), ('wss://b.example', 'clearnet', 1)",
  );
  await db.pool.query(
    `INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig)
     VALUES ($1, $2, 1000, 1, '{}', '[]', 'x', $3), ($4, $2, 2000, 7, '{}', '[]', '+', $3)`,
    [hex("1"), hex("a"), Buffer.alloc(64, 1), hex("2")],
  );
  await db.pool.query(
    `INSERT INTO event_relay (event_id, relay_id, seen_at)
     SELECT v.event_id, r.id, v.seen_at
     FROM (VALUES ($1::bytea, 'wss://a.example', 5), ($1, 'wss://b.example', 6),
                  ($2, 'wss://a.example', 7)) AS v(event_id, url, seen_at)
     JOIN relay r ON r.url = v.url`,
    [hex("1"), hex("2")],
  );
}

describe("refresher", () => {
  it("populates every view, in order, and reports per-view metrics", async () => {
    await seedEvents();
    const t = createTestContext(db.pool, { service: "refresher" });
    const service = createRefresher(deps, refresherConfigSchema.parse({}));
    const outcome = await runOnce(service, t.ctx);
    expect(outcome.ok).toBe(true);
    expect(outcome.report).toMatchObject({ views: 13, refreshed: 13, failed: 0 });
    const kinds = await db.pool.query("SELECT kind FROM kind_counts ORDER BY kind");
    expect(kinds.rows.map((r) => r.kind)).toEqual([1, 7]);
    for (const { name } of STATISTICS_VIEWS) {
      expect(await t.metric("brotr_view_refreshes_total", { view: name, outcome: "success" })).toBe(
        1,
      );
      expect(
        await t.metric("brotr_view_refresh_duration_seconds", { view: name }),
      ).toBeGreaterThanOrEqual(0);
    }
    // A second cycle refreshes concurrently (the views are populated now).
    await db.pool.query("DELETE FROM event WHERE kind = 7");
    expect((await runOnce(service, t.ctx)).ok).toBe(true);
    const after = await db.pool.query("SELECT kind FROM kind_counts ORDER BY kind");
    expect(after.rows.map((r) => r.kind)).toEqual([1]);
  });

  it("keeps refreshing the other views when one fails, and counts the failure", async () => {
    await db.pool.query("DROP MATERIALIZED VIEW kind_counts");
    const t = createTestContext(db.pool, { service: "refresher" });
    const outcome = await runOnce(createRefresher(deps, refresherConfigSchema.parse({})), t.ctx);
    expect(outcome.ok).toBe(true);
    expect(outcome.report).toMatchObject({ refreshed: 12, failed: 1 });
    expect(
      await t.metric("brotr_view_refreshes_total", { view: "kind_counts", outcome: "failure" }),
    ).toBe(1);
    expect(await t.metric("brotr_views_failed")).toBe(1);
    expect(t.logs.some((l) => l.msg === "view_refresh_failed" && l.view === "kind_counts")).toBe(
      true,
    );
    const pop = await db.pool.query(
      "SELECT relispopulated FROM pg_class WHERE relname = 'kind_counts_by_relay'",
    );
    expect(pop.rows[0].relispopulated).toBe(true);
  });

  it("fails the cycle when every view fails", async () => {
    const t = createTestContext(db.pool, { service: "refresher" });
    const config = refresherConfigSchema.parse({ refresh: { views: ["event_stats"] } });
    await db.pool.query("DROP MATERIALIZED VIEW event_stats");
    const outcome = await runOnce(createRefresher(deps, config), t.ctx);
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.name).toBe("AllViewsFailedError");
  });

  it("rejects unknown view names in its config", () => {
    const result = refresherConfigSchema.safeParse({ refresh: { views: ["event_stats", "nope"] } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["refresh", "views", 1]);
  });
});
