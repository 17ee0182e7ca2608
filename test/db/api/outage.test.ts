import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../../../src/core/db/pool.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy.js";
import { A, fillApiDatabase, NOW } from "./dataset.js";

// The API over a pool whose connections go through a TCP proxy: stopping the proxy is the
// database going away (connections cut, new ones refused); `hold` is a database that hangs.
let db: TestDatabase;
let proxy: TcpProxy;
let pool: pg.Pool;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  await fillApiDatabase(db.pool);
  proxy = await startTcpProxy(Number(new URL(db.url).port));
  const url = new URL(db.url);
  url.port = String(proxy.port);
  pool = createPool({ url: url.toString(), max: 3, connectionTimeoutMs: 1000 });
  api = await startTestApi(pool, {}, { now: NOW });
}, 120_000);
afterAll(async () => {
  await api.close();
  await pool.end();
  await proxy.stop();
  await db.drop();
});

const ROUTES = [
  "/v1/events?limit=2",
  `/v1/relays/${encodeURIComponent(A)}`,
  `/v1/relays/${encodeURIComponent(A)}/history`,
  "/v1/relays",
  "/v1/online",
  "/v1/stats",
  "/health",
];

/** N requests (the routes in turn), all at once. */
async function burst(n: number) {
  const paths = Array.from({ length: n }, (_, i) => ROUTES[i % ROUTES.length] as string);
  return Promise.all(paths.map((p) => api.get(p)));
}

const lines = (msg: string) => api.logs.filter((l) => l.msg === msg);
const loud = () => api.logs.filter((l) => Number(l.level) >= 50);

describe("the API during a database outage", () => {
  it("answers every request 503 with Retry-After and logs the outage once when it starts and once when it ends", async () => {
    expect((await burst(7)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);

    await proxy.stop();
    const during = [...(await burst(14)), ...(await burst(14))];
    expect(during.map((r) => r.status)).toEqual(during.map(() => 503));
    for (const r of during) {
      expect(r.headers.get("retry-after")).toBe("5");
      expect(r.body.error).toMatchObject({ status: 503, code: "unavailable" });
    }
    expect(lines("database_unavailable")).toHaveLength(1);
    expect(lines("database_unavailable")[0]).toMatchObject({ level: 40 });
    expect(lines("database_unavailable")[0]).not.toHaveProperty("err");
    expect(lines("database_available")).toHaveLength(0);
    expect(loud()).toEqual([]);

    await proxy.start();
    expect((await burst(14)).map((r) => r.status)).toEqual(Array(14).fill(200));
    expect(lines("database_unavailable")).toHaveLength(1);
    expect(lines("database_available")).toHaveLength(1);
    expect(lines("database_available")[0]).toMatchObject({
      level: 30,
      failures: 28,
      downMs: expect.any(Number),
    });
  });

  it("does the same when the database hangs (connections time out, requests queue for the pool)", async () => {
    const before = api.logs.length;
    await proxy.stop();
    proxy.hold = true;
    await proxy.start();
    // 3 connections of the pool hang in their connect; the other requests wait for one.
    const during = await burst(9);
    expect(during.map((r) => r.status)).toEqual(Array(9).fill(503));
    const news = api.logs.slice(before);
    expect(news.filter((l) => l.msg === "database_unavailable")).toHaveLength(1);
    expect(news.filter((l) => Number(l.level) >= 50)).toEqual([]);

    await proxy.stop();
    proxy.hold = false;
    await proxy.start();
    expect((await burst(7)).map((r) => r.status)).toEqual(Array(7).fill(200));
    expect(api.logs.slice(before).filter((l) => l.msg === "database_available")).toHaveLength(1);
  });
});
