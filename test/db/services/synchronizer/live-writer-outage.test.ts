/**
 * The live writer reports its failures to the process's one outage with the epoch read when
 * its batch began. A batch held by a frozen server (here a proxy that accepts and answers
 * nothing) that fails after the database was seen back belongs to the outage that ended: it
 * must not open a new one (a third `database_*` line). A batch begun after the end that fails
 * is a new outage.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../../src/core/config/schemas.js";
import { createPool } from "../../../../src/core/db/pool.js";
import { synchronizerConfigSchema } from "../../../../src/services/synchronizer/config.js";
import type { LiveItem } from "../../../../src/services/synchronizer/live/ingest.js";
import { LiveCounts } from "../../../../src/services/synchronizer/live/live-counts.js";
import {
  type LiveDeps,
  liveIngestOf,
} from "../../../../src/services/synchronizer/live/live-loop.js";
import { IdCache } from "../../../../src/utils/verify/id-cache.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { createTestContext, type TestContext } from "../../../support/service-context.js";
import { startTcpProxy, type TcpProxy } from "../../../support/tcp-proxy.js";
import { fakeEvents } from "../../core/helpers.js";

let db: TestDatabase;
let proxy: TcpProxy;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await startTcpProxy(Number(new URL(db.url).port));
  const url = new URL(db.url);
  url.port = String(proxy.port);
  // Long timeouts: the batch fails when the proxy drops it, not on a timer.
  pool = createPool({ url: url.toString(), max: 2, connectionTimeoutMs: 120_000 });
});

afterAll(async () => {
  await pool?.end();
  await proxy?.stop();
  await db?.drop();
});

const brotr = parseConfig(brotrConfigSchema, { allow_private: true }, "test");
const config = parseConfig(
  synchronizerConfigSchema,
  { processing: { live: { flush_ms: 10, batch_size: 10 } } },
  "test",
);

function liveDeps(): LiveDeps {
  return {
    deps: { brotr },
    processing: config.processing,
    settingsOf: () => {
      throw new Error("no relay settings in this test");
    },
    holder: "test:1:live",
    verify: async (events) => events.map(() => true),
    stored: new IdCache(100),
    backfill: { events: 0 },
  };
}

const item = (prefix: string): LiveItem => {
  const [event] = fakeEvents(prefix, 1);
  if (event === undefined) throw new Error("no event");
  return { event, relayUrl: "wss://live.example", network: "clearnet", seenAt: 5, receivedAt: 0 };
};

const refused = () =>
  Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

/** A live batch whose write the (holding) proxy has taken and not answered; then dropped. */
async function heldWriteDropped(t: TestContext, prefix: string, meanwhile: () => void) {
  const ingest = liveIngestOf(t.ctx, liveDeps(), new LiveCounts(t.ctx.metrics, { events: 0 }));
  proxy.hold = true;
  await proxy.start();
  expect(ingest.offer(item(prefix))).toBe(true);
  await vi.waitFor(() => expect(proxy.connections).toBe(1), { timeout: 60_000, interval: 20 });
  meanwhile();
  await proxy.stop();
  // The writer's failure is reported when the ingest is next used or closed.
  await ingest.close();
}

const told = (t: TestContext) =>
  t.logs.filter((l) => String(l.msg).startsWith("database_")).map((l) => l.msg);

describe("the live writer in a database outage", () => {
  it("does not open a new outage for a batch that began before the database came back", async () => {
    const t = createTestContext(pool, { service: "synchronizer" });
    const { outage } = t.ctx;
    await heldWriteDropped(t, "held-", () => {
      // Meanwhile the cycle meets the outage and the live loop sees the database back.
      outage.failed(refused(), outage.epoch);
      outage.succeeded();
    });
    expect(told(t)).toEqual(["database_unavailable", "database_available"]);
    expect(outage.active).toBe(false);
    const failed = t.logs.filter((l) => l.msg === "live_write_failed");
    expect(failed.map((l) => l.level)).toEqual([20]);

    // A batch begun after that end, failing, is a new outage.
    await heldWriteDropped(t, "later-", () => {});
    expect(told(t)).toEqual(["database_unavailable", "database_available", "database_unavailable"]);
    expect(outage.active).toBe(true);
  });
});
