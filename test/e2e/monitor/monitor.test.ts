import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import { readMonitorStatus } from "../../../src/core/db/service-state/monitor-checkpoint.js";
import { relaysToSync } from "../../../src/core/db/service-state/sync-cursor.js";
import { runOnce } from "../../../src/core/service.js";
import { type FakeRelay, startFakeRelay } from "../../../src/devnet/fake-relay.js";
import { makeUser } from "../../support/fake-user.js";
import { freePort } from "../../support/free-port.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext } from "../../support/service-context.js";
import { checkpoints, history, monitor } from "./helpers.js";

const NOW = 1_700_300_000;
const relays: FakeRelay[] = [];
let db: TestDatabase;
let secretKey: Uint8Array;
const url: Record<string, string> = {};

async function fake(name: string, options: Parameters<typeof startFakeRelay>[0]) {
  const r = await startFakeRelay(options);
  relays.push(r);
  url[name] = r.url;
}

beforeAll(async () => {
  db = await createTestDatabase();
  secretKey = (await makeUser("monitor")).secretKey;
  await fake("healthy", { acceptWrites: true, httpHeaders: { Server: "fake/2.0" } });
  await fake("auth", { acceptWrites: true, requireAuth: true });
  await fake("payment", { writeRefusal: "payment-required" });
  await fake("pow", { acceptWrites: true, minPowDifficulty: 6 });
  await fake("restricted", { writeRefusal: "restricted" });
  await fake("dropsWrites", { acceptWrites: true, dropWrites: "unstored" });
  await fake("slow", { acceptWrites: true, latencyMs: 300, nip11DelayMs: 300 });
  await fake("hangsUp", { disconnectOn: "open" });
  await fake("silent", { silent: true });
  await fake("notJson", { acceptWrites: true, nip11: "<html>relay</html>" });
  await fake("wrongTypes", {
    acceptWrites: true,
    nip11: { name: 42, supported_nips: "all", limitation: { auth_required: "yes" }, software: "x" },
  });
  await fake("noNip11", { acceptWrites: true, nip11: null });
  url.dead = `ws://127.0.0.1:${await freePort()}`;
  await insertRelays(
    db.pool,
    Object.values(url).map((u) => ({ url: u, network: "clearnet" as const, discoveredAt: 1 })),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await db?.drop();
});

const rttOf = async (name: string) => {
  const rows = (await history(db.pool, "nip66_rtt")).filter((r) => r.url === url[name]);
  return rows.at(-1)?.doc;
};
const nip11Of = async (name: string) => {
  const rows = (await history(db.pool, "nip11_info")).filter((r) => r.url === url[name]);
  return rows.at(-1)?.doc;
};

describe("monitor", () => {
  it("checks every relay once, stores an rtt row for each (dead ones too) and a checkpoint", async () => {
    const t = createTestContext(db.pool, { service: "monitor", now: NOW });
    const outcome = await runOnce(monitor({ chunk_size: 5 }, {}, secretKey), t.ctx);
    expect(outcome.ok).toBe(true);
    const names = Object.keys(url);
    expect(outcome.report).toMatchObject({ due: names.length, checked: names.length });
    const marks = await checkpoints(db.pool);
    expect([...marks.keys()].sort()).toEqual(Object.values(url).sort());
    expect([...marks.values()].every((v) => v === NOW)).toBe(true);
    const rtt = await history(db.pool, "nip66_rtt");
    expect(rtt.map((r) => r.url).sort()).toEqual(Object.values(url).sort());
    // Down = the WebSocket did not open (only the dead port here).
    expect(await t.metric("brotr_monitor_relays_total", { outcome: "down" })).toBe(1);
    expect(await t.metric("brotr_monitor_relays_total", { outcome: "up" })).toBe(names.length - 1);
  }, 60_000);

  it("a healthy relay: open, read and write times; NIP-11; the upgrade's Server header", async () => {
    expect(await rttOf("healthy")).toEqual({
      data: {
        rtt_open: expect.any(Number),
        rtt_read: expect.any(Number),
        rtt_write: expect.any(Number),
      },
      logs: {
        open_success: true,
        read_success: true,
        write_success: true,
        auth: "none",
        insecure: false,
      },
    });
    const nip11 = await nip11Of("healthy");
    expect(nip11?.logs).toEqual({ success: true });
    expect(nip11?.data).toMatchObject({
      supported_nips: [1, 11, 42, 45],
      software: expect.any(String),
    });
    const http = (await history(db.pool, "nip66_http")).find((r) => r.url === url.healthy);
    expect(http?.doc).toEqual({ data: { http_server: "fake/2.0" }, logs: { success: true } });
  });

  it("policies are the relay's answer, not 'down': AUTH done with the key, payment, pow, restricted", async () => {
    expect(await rttOf("auth")).toMatchObject({
      data: {
        rtt_open: expect.any(Number),
        rtt_read: expect.any(Number),
        rtt_write: expect.any(Number),
      },
      logs: { auth: "ok", write_success: true },
    });
    expect((await rttOf("payment"))?.logs).toMatchObject({
      open_success: true,
      read_success: true,
      write_success: false,
      write_policy: "payment-required",
    });
    // NIP-11 asks for 6 bits of proof of work: the probe is mined and accepted.
    expect((await rttOf("pow"))?.logs).toMatchObject({ write_success: true });
    expect((await rttOf("restricted"))?.logs).toMatchObject({ write_policy: "restricted" });
  });

  it("a relay that drops writes silently, is slow, hangs up, stays silent or is dead", async () => {
    const drops = await rttOf("dropsWrites");
    expect(drops?.data).not.toHaveProperty("rtt_write");
    expect(drops?.logs).toMatchObject({ write_success: false, write_reason: expect.any(String) });
    expect((await rttOf("slow"))?.data?.rtt_read).toBeGreaterThanOrEqual(300);
    const dead = await rttOf("dead");
    expect(dead?.data ?? {}).toEqual({});
    expect(dead?.logs).toMatchObject({
      open_success: false,
      open_reason: expect.stringContaining("ECONNREFUSED"),
      read_success: false,
      write_success: false,
    });
    // Hangs up right after the upgrade: open worked, the read did not.
    expect(await rttOf("hangsUp")).toMatchObject({
      data: { rtt_open: expect.any(Number) },
      logs: {
        open_success: true,
        read_success: false,
        read_reason: expect.stringContaining("disconnected"),
      },
    });
    // Silent: the socket opens, the REQ is never answered.
    expect((await rttOf("silent"))?.logs).toMatchObject({
      open_success: true,
      read_success: false,
      read_reason: expect.stringContaining("no EOSE or CLOSED"),
    });
  });

  it("broken NIP-11 documents are recorded with their reason, wrongly typed fields dropped", async () => {
    expect((await nip11Of("notJson"))?.logs).toEqual({
      success: false,
      reason: "body is not valid JSON",
    });
    expect((await nip11Of("noNip11"))?.logs).toMatchObject({ success: false });
    const wrong = await nip11Of("wrongTypes");
    expect(wrong?.logs).toEqual({ success: true });
    expect(wrong?.data).toEqual({ software: "x" });
  });

  it("the synchronizer's readable relays are the ones whose read worked", async () => {
    const readable = await relaysToSync(db.pool, {
      networks: ["clearnet"],
      requireReadable: true,
      checkedSince: NOW - 60,
    });
    const expected = Object.keys(url).filter((n) => !["hangsUp", "dead", "silent"].includes(n));
    expect(readable.map((r) => r.url).sort()).toEqual(expected.map((n) => url[n]).sort());
    // `bigbrotr status` counts the same from the newest rtt checks.
    expect(await readMonitorStatus(db.pool, { now: NOW + 10, recentWithin: 3600 })).toEqual({
      relays: 13,
      checked: 13,
      recent: 13,
      up: 12,
      readable: expected.length,
      oldestCheck: NOW,
    });
  });

  it("nothing is due before the recheck interval; after it, unchanged results are stored once", async () => {
    const before = await db.pool.query<{ type: string; n: string }>(
      "SELECT type, count(*) AS n FROM metadata GROUP BY type",
    );
    const t = createTestContext(db.pool, { service: "monitor", now: NOW + 60 });
    const idle = await runOnce(monitor({}, {}, secretKey), t.ctx);
    expect(idle.report).toMatchObject({ due: 0, checked: 0 });

    t.clock.now = NOW + 3600;
    const again = await runOnce(monitor({}, {}, secretKey), t.ctx);
    expect(again.report).toMatchObject({ checked: Object.keys(url).length });
    const after = await db.pool.query<{ type: string; n: string }>(
      "SELECT type, count(*) AS n FROM metadata GROUP BY type",
    );
    const count = (rows: { type: string; n: string }[], type: string) =>
      Number(rows.find((r) => r.type === type)?.n ?? 0);
    // The NIP-11 documents and http headers did not change: no new document, a new row each.
    expect(count(after.rows, "nip11_info")).toBe(count(before.rows, "nip11_info"));
    expect(count(after.rows, "nip66_http")).toBe(count(before.rows, "nip66_http"));
    const nip11Rows = await history(db.pool, "nip11_info");
    expect(nip11Rows.filter((r) => r.url === url.healthy).map((r) => r.generatedAt)).toEqual([
      NOW,
      NOW + 3600,
    ]);
    expect(
      await t.metric("brotr_monitor_documents_total", { result: "deduplicated" }),
    ).toBeGreaterThan(0);
  }, 60_000);

  it("cleanup drops the checkpoints and documents of deleted relays, keeps the named ones", async () => {
    const t = createTestContext(db.pool, { service: "monitor", now: NOW + 7200 });
    await db.pool.query(
      `INSERT INTO service_state (service_name, state_type, state_key, state_value, updated_at)
       VALUES ('monitor', 'checkpoint', 'profile', '{"timestamp": 1}', 1)`,
    );
    await db.pool.query("DELETE FROM relay WHERE url = $1", [url.dead]);
    const removed = await monitor().cleanup?.(t.ctx);
    expect(removed).toBeGreaterThanOrEqual(2);
    const marks = await checkpoints(db.pool);
    expect(marks.has(url.dead ?? "")).toBe(false);
    expect(marks.size).toBe(Object.keys(url).length - 1);
    const { rows } = await db.pool.query(
      `SELECT state_key FROM service_state WHERE service_name = 'monitor' AND state_key = 'profile'`,
    );
    expect(rows).toHaveLength(1);
    // The dead relay's rtt documents were its own (its failure reason names its port).
    const orphans = await db.pool.query(
      `SELECT count(*)::int AS n FROM metadata m WHERE NOT EXISTS (
         SELECT 1 FROM relay_metadata rm WHERE rm.metadata_id = m.id AND rm.metadata_type = m.type)`,
    );
    expect(orphans.rows[0].n).toBe(0);
  });
});
