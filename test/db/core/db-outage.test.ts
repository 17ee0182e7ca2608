import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { asConnectionLost } from "../../../src/core/db/errors.js";
import { createPool } from "../../../src/core/db/pool.js";
import { recordLastCycle } from "../../../src/core/db/service-state/last-cycle.js";
import { runForever } from "../../../src/core/service.js";
import { refresherConfigSchema } from "../../../src/services/refresher/config.js";
import { createRefresher } from "../../../src/services/refresher/service.js";
import { freePort } from "../../support/free-port.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy.js";

let db: TestDatabase;
let proxy: TcpProxy | undefined;
const pools: pg.Pool[] = [];
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await proxy?.stop();
  proxy = undefined;
  await db.drop();
});

/** The test database's URL with another port (a dead one, or the proxy's). */
function urlOnPort(port: number): string {
  const url = new URL(db.url);
  url.port = String(port);
  return url.toString();
}

function poolOn(port: number, connectionTimeoutMs = 2000): pg.Pool {
  const pool = createPool({ url: urlOnPort(port), max: 2, connectionTimeoutMs });
  pools.push(pool);
  return pool;
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("expected a failure"),
    (e: unknown) => e,
  );
}

const refresher = () => createRefresher({ brotr: {} as never }, refresherConfigSchema.parse({}));
const notDebug = (logs: Record<string, unknown>[]) => logs.filter((l) => Number(l.level) > 20);

describe("asConnectionLost on real driver errors", () => {
  it("recognises a refused connection, a terminated backend, a dropped socket and a connect timeout", async () => {
    const port = await freePort();
    const refused = asConnectionLost(await errorOf(poolOn(port).query("SELECT 1")));
    expect(refused?.message).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(refused?.code).toBe("ECONNREFUSED");

    const victim = new pg.Client({ connectionString: db.url });
    await victim.connect();
    victim.on("error", () => {});
    const { rows } = await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const sleeping = errorOf(victim.query("SELECT pg_sleep(30)"));
    await db.pool.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
    const terminated = asConnectionLost(await sleeping);
    expect(terminated?.code).toBe("57P01");
    await victim.end().catch(() => {});

    proxy = await startTcpProxy(Number(new URL(db.url).port));
    const viaProxy = poolOn(proxy.port);
    const cut = errorOf(viaProxy.query("SELECT pg_sleep(30)"));
    await new Promise((r) => setTimeout(r, 200));
    await proxy.stop();
    expect(asConnectionLost(await cut)?.message).toBe("Connection terminated unexpectedly");

    await proxy.start();
    proxy.hold = true;
    const hanging = asConnectionLost(await errorOf(poolOn(proxy.port, 300).query("SELECT 1")));
    expect(hanging?.message).toBe("Connection terminated due to connection timeout");
  });

  it("leaves errors the server answered with alone", async () => {
    expect(asConnectionLost(await errorOf(db.pool.query("SELEC 1")))).toBeUndefined();
    await db.pool.query("CREATE TABLE t (id int PRIMARY KEY)");
    await db.pool.query("INSERT INTO t VALUES (1)");
    expect(
      asConnectionLost(await errorOf(db.pool.query("INSERT INTO t VALUES (1)"))),
    ).toBeUndefined();
    expect(asConnectionLost(new Error("a bug"))).toBeUndefined();
  });
});

describe("a database outage under runForever", () => {
  it("logs one warning when the database is unreachable from the start, debug after, and counts every cycle", async () => {
    const port = await freePort();
    const pool = poolOn(port);
    const t = createTestContext(pool, { service: "refresher" });
    let cycles = 0;
    const reason = await runForever(
      refresher(),
      { ...t.ctx, db: pool },
      { intervalSeconds: 0, maxConsecutiveFailures: 0 },
      async (outcome, failures) => {
        cycles += 1;
        if (cycles === 3) t.abort();
        await recordLastCycle(pool, "refresher", outcome, failures, 1);
      },
    );
    expect(reason).toBe("aborted");
    expect(notDebug(t.logs)).toEqual([
      { level: 30, time: expect.any(Number), service: "refresher", msg: "cycle_started" },
      {
        level: 40,
        time: expect.any(Number),
        service: "refresher",
        msg: "database_unavailable",
        reason: `connect ECONNREFUSED 127.0.0.1:${port}`,
        code: "ECONNREFUSED",
      },
      { level: 30, time: expect.any(Number), service: "refresher", msg: "cycle_started" },
      { level: 30, time: expect.any(Number), service: "refresher", msg: "cycle_started" },
    ]);
    const debug = t.logs.filter((l) => l.level === 20).map((l) => l.msg);
    // The refresher stops at its first statement each cycle (the cleanup's).
    expect(debug).toEqual([
      "cycle_failed",
      "cycle_record_failed",
      "cycle_failed",
      "cycle_record_failed",
      "cycle_failed",
      "cycle_record_failed",
    ]);
    expect(await t.metric("brotr_cycles_total", { outcome: "failure" })).toBe(3);
    expect(await t.metric("brotr_errors_total", { error: "ConnectionLost" })).toBe(3);
    expect(await t.metric("brotr_consecutive_failures")).toBe(3);
    expect(await t.metric("brotr_statistics_chunks_total", { phase: "walk" })).toBeUndefined();
  });

  it("logs the start and the end of a real outage once each", async () => {
    proxy = await startTcpProxy(Number(new URL(db.url).port));
    const pool = poolOn(proxy.port);
    const t = createTestContext(pool, { service: "refresher" });
    const outcomes: boolean[] = [];
    const reason = await runForever(
      refresher(),
      t.ctx,
      { intervalSeconds: 0, maxConsecutiveFailures: 0 },
      async (outcome, failures) => {
        outcomes.push(outcome.ok);
        try {
          await recordLastCycle(pool, "refresher", outcome, failures, outcomes.length);
        } finally {
          if (outcomes.length === 1) await proxy?.stop();
          if (outcomes.length === 3) await proxy?.start();
          if (outcomes.length === 4) t.abort();
        }
      },
    );
    expect(reason).toBe("aborted");
    expect(outcomes).toEqual([true, false, false, true]);
    const lines = notDebug(t.logs).map((l) => l.msg);
    expect(lines).toEqual([
      "cycle_started",
      "cycle_completed",
      "cycle_started",
      "database_unavailable",
      "cycle_started",
      "cycle_started",
      "database_available",
      "cycle_completed",
    ]);
    const down = t.logs.find((l) => l.msg === "database_unavailable");
    expect(down?.level).toBe(40);
    expect(down?.reason).toMatch(/ECONNREFUSED|Connection terminated/);
    expect(down).not.toHaveProperty("err");
    const up = t.logs.find((l) => l.msg === "database_available");
    expect(up).toMatchObject({ level: 30, failures: 2, downMs: expect.any(Number) });
    expect(await t.metric("brotr_cycles_total", { outcome: "failure" })).toBe(2);
    expect(await t.metric("brotr_cycles_total", { outcome: "success" })).toBe(2);
    // The cycle after the outage was recorded again, through the same pool.
    const state = await db.pool.query(
      "SELECT state_value FROM service_state WHERE service_name = 'refresher'",
    );
    expect(state.rows[0]?.state_value).toMatchObject({ ok: true, at: 4 });
  });
});

describe("recovery after an outage", () => {
  it("runs the next cycle within seconds of the database answering again, not after its interval", async () => {
    proxy = await startTcpProxy(Number(new URL(db.url).port));
    await proxy.stop();
    const pool = poolOn(proxy.port);
    const t = createTestContext(pool, { service: "refresher" });
    const outcomes: { ok: boolean; at: number }[] = [];
    let backAt = 0;
    const guard = setTimeout(() => t.abort(), 20_000);
    const reason = await runForever(
      refresher(),
      t.ctx,
      { intervalSeconds: 3600, maxConsecutiveFailures: 0, reconnectProbeMs: 500 },
      async (outcome) => {
        outcomes.push({ ok: outcome.ok, at: Date.now() });
        if (outcomes.length === 1) {
          // The database comes back a while after the failed cycle.
          setTimeout(() => {
            backAt = Date.now();
            void proxy?.start();
          }, 1500);
        } else t.abort();
      },
    );
    clearTimeout(guard);
    expect(reason).toBe("aborted");
    // The second cycle came before the guard (20 s), not after the interval (3600 s).
    expect(outcomes.map((o) => o.ok)).toEqual([false, true]);
    expect(outcomes[1]?.at).toBeGreaterThanOrEqual(backAt);
    expect(notDebug(t.logs).map((l) => l.msg)).toEqual([
      "cycle_started",
      "database_unavailable",
      "cycle_started",
      "database_available",
      "cycle_completed",
    ]);
  });

  it("waits longer after each failure in a row while the database answers probes", async () => {
    // A cycle that loses its connection every time although the server is up (it terminates
    // its own backend): two failures are 1 + 2 probe periods apart, not one each.
    const pool = poolOn(Number(new URL(db.url).port));
    const t = createTestContext(pool, { service: "t" });
    const starts: number[] = [];
    const service = {
      name: "t",
      async runCycle() {
        starts.push(Date.now());
        await pool.query("SELECT pg_terminate_backend(pg_backend_pid())");
        return {};
      },
    };
    await runForever(
      service,
      t.ctx,
      { intervalSeconds: 3600, maxConsecutiveFailures: 3, reconnectProbeMs: 400 },
      async () => {},
    );
    expect(starts).toHaveLength(3);
    const gaps = [starts[1]! - starts[0]!, starts[2]! - starts[1]!];
    expect(gaps[0]).toBeGreaterThanOrEqual(400);
    expect(gaps[0]).toBeLessThan(1500);
    expect(gaps[1]).toBeGreaterThanOrEqual(800);
    expect(gaps[1]).toBeLessThan(2500);
  });
});

describe("the failure budget during an outage", () => {
  it("is not spent by cycles that failed while the database was away, stopped or hanging", async () => {
    // Found by the soak: the monitor and the synchronizer exited with failure_budget_exhausted
    // during long outages. Four failed cycles here, the budget two: the service waits on.
    proxy = await startTcpProxy(Number(new URL(db.url).port));
    await proxy.stop();
    const pool = poolOn(proxy.port, 500);
    const t = createTestContext(pool, { service: "refresher" });
    const outcomes: boolean[] = [];
    const reason = await runForever(
      refresher(),
      t.ctx,
      { intervalSeconds: 1, maxConsecutiveFailures: 2, reconnectProbeMs: 100 },
      async (outcome) => {
        outcomes.push(outcome.ok);
        if (outcomes.length === 2 && proxy) {
          // From refused to hanging: connections accepted, nothing answered (a frozen server).
          proxy.hold = true;
          await proxy.start();
        }
        if (outcomes.length === 4 && proxy) proxy.hold = false;
        if (outcome.ok) t.abort();
      },
    );
    expect(reason).toBe("aborted");
    expect(outcomes).toEqual([false, false, false, false, true]);
    expect(t.logs.filter((l) => l.msg === "failure_budget_exhausted")).toEqual([]);
    expect(t.logs.filter((l) => l.msg === "database_unavailable")).toHaveLength(1);
  }, 60_000);
});
