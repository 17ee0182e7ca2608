import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordRelayMetadata } from "../../../../src/core/db/relay-metadata.js";
import { runOnce } from "../../../../src/core/service.js";
import { refresherConfigSchema } from "../../../../src/services/refresher/config.js";
import { createRefresher } from "../../../../src/services/refresher/service.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { RandomArchive } from "../../../support/random-archive.js";
import { createTestContext } from "../../../support/service-context.js";
import { expectStatisticsExact } from "../../../support/statistics-exact.js";

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

const NOW = 1_790_000_000;
const DAY = 86_400;
const deps = { brotr: {} as never };
const refresher = (config: unknown = {}) =>
  createRefresher(deps, refresherConfigSchema.parse(config));
const kinds = async () =>
  (await db.pool.query("SELECT kind FROM kind_counts ORDER BY kind")).rows.map((r) => r.kind);

describe("refresher", () => {
  it("brings the statistics up to date each cycle and counts what it took in", async () => {
    const a = new RandomArchive("bigbrotr", 21, NOW);
    await a.archive(db.pool, 30, 5);
    await a.checks(db.pool, 6);
    const t = createTestContext(db.pool, { service: "refresher", now: NOW });
    const service = refresher({ statistics: { chunk_rows: 1000 } });
    const outcome = await runOnce(service, t.ctx);
    expect(outcome.ok).toBe(true);
    expect(outcome.report).toMatchObject({ busy: false, events: 30, pending_rows: 0 });
    await expectStatisticsExact(db.pool);
    expect(await t.metric("brotr_statistics_rows_total", { source: "events" })).toBe(30);
    expect(await t.metric("brotr_statistics_chunks_total", { phase: "finish" })).toBe(1);
    expect(await t.metric("brotr_statistics_step_seconds_total", { step: "events" })).toBeDefined();
    expect(await t.metric("brotr_statistics_pending_rows")).toBe(0);
    // Deletions are subtracted by the next cycle.
    const before = await kinds();
    const doomed = await db.pool.query("DELETE FROM event WHERE kind = $1", [before[0]]);
    const second = await runOnce(service, t.ctx);
    expect(second.report).toMatchObject({ deleted_events: doomed.rowCount });
    expect(await kinds()).toEqual(before.slice(1));
    expect(await t.metric("brotr_statistics_rows_total", { source: "deleted_events" })).toBe(
      doomed.rowCount,
    );
    await expectStatisticsExact(db.pool);
  });

  it("skips the cycle while another refresher works", async () => {
    const holder = await db.pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock(7425146731800191323)");
      const t = createTestContext(db.pool, { service: "refresher", now: NOW });
      const outcome = await runOnce(refresher(), t.ctx);
      expect(outcome).toMatchObject({ ok: true, report: { busy: true, chunks: 0 } });
      expect(t.logs.some((l) => l.msg === "statistics_busy")).toBe(true);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
  });

  it("deletes orphan events in its cleanup and keeps the statistics exact", async () => {
    const a = new RandomArchive("bigbrotr", 22, NOW);
    await a.archive(db.pool, 40, 10);
    const t = createTestContext(db.pool, { service: "refresher", now: NOW });
    const service = refresher({ cleanup: { orphan_events: { batch_size: 3 } } });
    await runOnce(service, t.ctx);
    const gone = a.relays.slice(0, 2).map((r) => r.url);
    await db.pool.query("DELETE FROM relay WHERE url = ANY($1)", [gone]);
    const orphans = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM event e
       WHERE NOT EXISTS (SELECT 1 FROM event_relay er WHERE er.event_id = e.id)`,
    );
    expect(orphans.rows[0]?.n).toBeGreaterThan(0);
    // The first cycle subtracts the relays' sightings and notes the events that lost them;
    // the next cleanup deletes those left without any, and its cycle subtracts them.
    await runOnce(service, t.ctx);
    const second = await runOnce(service, t.ctx);
    expect(second.report).toMatchObject({ cleaned: orphans.rows[0]?.n });
    expect(await t.metric("brotr_cleanup_deleted_total", { what: "orphan_events" })).toBe(
      orphans.rows[0]?.n,
    );
    const left = await db.pool.query(
      "SELECT count(*)::int AS n FROM event e WHERE NOT EXISTS (SELECT 1 FROM event_relay er WHERE er.event_id = e.id)",
    );
    expect(left.rows[0].n).toBe(0);
    await expectStatisticsExact(db.pool);
  });

  it("downsamples or drops old check history when retention is set", async () => {
    const a = new RandomArchive("bigbrotr", 23, NOW);
    await a.archive(db.pool, 5);
    const relay = { ...(a.relays[0] as (typeof a.relays)[number]), discoveredAt: 1 };
    const checks = [];
    // Every 6 hours for 90 days: 4 a day.
    for (let at = NOW - 90 * DAY; at < NOW; at += 6 * 3600) {
      checks.push({
        relay,
        type: "nip66_rtt" as const,
        data: { rtt_open: at % 97 },
        generatedAt: at,
      });
    }
    await recordRelayMetadata(db.pool, checks);
    const count = async () =>
      (await db.pool.query("SELECT count(*)::int AS n FROM relay_metadata")).rows[0].n as number;
    const t = createTestContext(db.pool, { service: "refresher", now: NOW });
    await runOnce(refresher(), t.ctx);
    expect(await count()).toBe(360); // default: keep everything
    const horizon = Math.floor((NOW - 40 * DAY) / DAY) * DAY;
    const perOldDay = async () =>
      (
        await db.pool.query<{ n: number; newest: number }>(
          `SELECT count(*)::int AS n, max(generated_at) AS newest FROM relay_metadata
           WHERE generated_at < $1 GROUP BY generated_at / 86400 ORDER BY 2`,
          [horizon],
        )
      ).rows;
    const before = await perOldDay();
    const downsample = refresher({ retention: { relay_metadata: { keep_days: 40 } } });
    await runOnce(downsample, t.ctx);
    // The newest of each UTC day before the horizon, and everything after it.
    expect(await perOldDay()).toEqual(before.map((d) => ({ n: 1, newest: d.newest })));
    expect(await count()).toBe(360 - before.reduce((n, d) => n + d.n - 1, 0));
    const progress = await db.pool.query("SELECT history_kept_until AS t FROM stats_progress");
    expect(progress.rows[0].t).toBe(horizon);
    await expectStatisticsExact(db.pool);
    // A second run reads only what aged past the horizon since.
    expect((await runOnce(downsample, t.ctx)).report?.cleaned).toBeUndefined();
    const drop = refresher({ retention: { relay_metadata: { keep_days: 40, policy: "drop" } } });
    await runOnce(drop, t.ctx);
    const kept = await db.pool.query(
      "SELECT count(*)::int AS n FROM relay_metadata WHERE generated_at < $1",
      [horizon],
    );
    expect(kept.rows[0].n).toBe(0); // the newest check is within the horizon
    expect(await t.metric("brotr_cleanup_deleted_total", { what: "relay_metadata" })).toBe(
      360 - (await count()),
    );
    await expectStatisticsExact(db.pool);
  });

  it("validates its configuration: unknown keys, a horizon under 31 days", () => {
    expect(refresherConfigSchema.parse({}).retention.relay_metadata.keep_days).toBeNull();
    expect(refresherConfigSchema.safeParse({ refresh: { views: ["event_stats"] } }).success).toBe(
      false,
    );
    const short = refresherConfigSchema.safeParse({
      retention: { relay_metadata: { keep_days: 7 } },
    });
    expect(short.error?.issues[0]?.path).toEqual(["retention", "relay_metadata", "keep_days"]);
    const policy = refresherConfigSchema.safeParse({
      retention: { relay_metadata: { keep_days: 60, policy: "shred" } },
    });
    expect(policy.success).toBe(false);
  });
});
