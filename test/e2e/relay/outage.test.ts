/**
 * `bigbrotr relay` during a database outage: its REQs and its event feed (the LISTEN session)
 * both meet it, and the process tells it once each way (`database_unavailable`, then
 * `database_available` once the feed listens again), not once for the queries and once more
 * for the feed (`relay_event_feed_lost` is then at debug).
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../../../src/core/db/pool.js";
import type { RunningRelay } from "../../../src/services/relay/service.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { RawClient, startTestRelay } from "../../support/relay-archive.js";
import { createTestContext, type TestContext } from "../../support/service-context.js";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy.js";

let db: TestDatabase;
let proxy: TcpProxy;
let pool: pg.Pool;
let tc: TestContext;
let relay: RunningRelay;

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await startTcpProxy(Number(new URL(db.url).port));
  const url = new URL(db.url);
  url.port = String(proxy.port);
  pool = createPool({ url: url.toString(), max: 3, connectionTimeoutMs: 1000 });
  tc = createTestContext(pool, { service: "relay" });
  relay = await startTestRelay(tc);
});

afterAll(async () => {
  await relay?.close();
  await pool?.end();
  await proxy?.stop();
  await db?.drop();
});

async function until(test: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await test())) await new Promise((r) => setTimeout(r, 50));
}

const said = (msg: string) => tc.logs.filter((l) => l.msg === msg);

describe("a database outage met by the relay's queries and its event feed", () => {
  it("is logged once when it starts and once when it ends", async () => {
    const client = await RawClient.open(relay.url);
    try {
      expect((await client.req("before", { kinds: [1], limit: 1 })).closed).toBeUndefined();
      await proxy.stop();
      const during = await client.req("during", { kinds: [1], limit: 1 });
      expect(during.closed).toBe("error: the archive is unavailable; try again later");
      await until(() => said("relay_event_feed_lost").length > 0);
      await proxy.start();
      await until(() => said("relay_event_feed_back").length > 0);
      expect((await client.req("after", { kinds: [1], limit: 1 })).closed).toBeUndefined();
      const told = tc.logs.filter((l) => Number(l.level) >= 30);
      expect(told.map((l) => l.msg)).toEqual(["database_unavailable", "database_available"]);
      expect(said("relay_event_feed_lost")[0]).toMatchObject({ level: 20 });
    } finally {
      client.close();
    }
  }, 60_000);
});
