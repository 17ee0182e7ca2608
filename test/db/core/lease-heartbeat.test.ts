import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHeartbeat } from "../../../src/core/db/lease-heartbeat.js";
import { acquireLeases } from "../../../src/core/db/leases.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const now = () => Math.floor(Date.now() / 1000);
const expiry = async (item: string) =>
  Number(
    (await db.pool.query("SELECT expires_at FROM lease WHERE item = $1", [item])).rows[0]
      ?.expires_at,
  );

describe("lease heartbeat", () => {
  it("keeps renewing what it holds, stops with stop(), and reports leases another took", async () => {
    const base = { service: "test", ttl: 3, now: now() };
    await acquireLeases(db.pool, { ...base, holder: "a", items: ["x", "y"] });
    const lost: string[] = [];
    const beat = startHeartbeat(db.pool, {
      service: "test",
      holder: "a",
      ttl: 3,
      now,
      onLost: (items) => lost.push(...items),
    });
    beat.add(["x", "y"]);
    const first = await expiry("x");
    // "y" expires and goes to someone else; "x" is renewed every second.
    beat.remove(["y"]);
    await db.pool.query("UPDATE lease SET expires_at = 0 WHERE item = 'y'");
    await acquireLeases(db.pool, { ...base, now: now(), holder: "b", items: ["y"] });
    beat.add(["y"]);
    await new Promise((r) => setTimeout(r, 4500));
    expect(await expiry("x")).toBeGreaterThan(first);
    expect(await expiry("x")).toBeGreaterThan(now());
    expect(lost).toEqual(["y"]);
    beat.stop();
    const stopped = await expiry("x");
    await new Promise((r) => setTimeout(r, 1500));
    expect(await expiry("x")).toBe(stopped);
  }, 15_000);
});
