import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acquireLeases,
  deleteExpiredLeases,
  releaseLeases,
  renewLeases,
} from "../../../src/core/db/leases.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

const lease = (holder: string, items: string[], now: number, ttl = 100) => ({
  service: "sync",
  holder,
  items,
  ttl,
  now,
});

describe("leases", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ poolSize: 8 });
  });
  afterAll(async () => {
    await db.drop();
  });

  it("hands an item to one holder until its lease expires, then to another", async () => {
    expect(await acquireLeases(db.pool, lease("a", ["r1", "r2"], 1000))).toEqual(
      new Set(["r1", "r2"]),
    );
    expect(await acquireLeases(db.pool, lease("b", ["r1", "r3"], 1050))).toEqual(new Set(["r3"]));
    // The holder itself extends its lease; the other still cannot take it.
    expect(await acquireLeases(db.pool, lease("a", ["r1"], 1090))).toEqual(new Set(["r1"]));
    expect(await acquireLeases(db.pool, lease("b", ["r1"], 1150))).toEqual(new Set());
    // a stopped renewing (crashed): at 1190 its lease on r1 has run out.
    expect(await acquireLeases(db.pool, lease("b", ["r1"], 1190))).toEqual(new Set(["r1"]));
    expect(await renewLeases(db.pool, lease("a", ["r1", "r2"], 1195))).toEqual(new Set());
    expect(await renewLeases(db.pool, lease("b", ["r1"], 1195))).toEqual(new Set(["r1"]));
  });

  it("gives up leases on release, and housekeeping drops expired ones", async () => {
    await acquireLeases(db.pool, lease("c", ["x1", "x2"], 5000));
    expect(await releaseLeases(db.pool, "sync", "c", ["x1"])).toBe(1);
    expect(await acquireLeases(db.pool, lease("d", ["x1", "x2"], 5001))).toEqual(new Set(["x1"]));
    expect(await releaseLeases(db.pool, "sync", "c")).toBe(1);
    expect(await deleteExpiredLeases(db.pool, 1_000_000)).toBeGreaterThan(0);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM lease");
    expect(rows[0].n).toBe(0);
  });

  it("never gives one item to two of several holders racing for the same items", async () => {
    const items = Array.from({ length: 200 }, (_, i) => `race-${i}`);
    const holders = ["h1", "h2", "h3", "h4", "h5"];
    // Each holder asks in its own order, at the same instant.
    const taken = await Promise.all(
      holders.map((h, k) =>
        acquireLeases(db.pool, lease(h, k % 2 === 0 ? items : [...items].reverse(), 9000)),
      ),
    );
    const all = taken.flatMap((s) => [...s]);
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set(items));
  });
});
