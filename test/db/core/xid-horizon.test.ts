/**
 * A dump restored into a new cluster: rows carry the old cluster's transaction ids, ahead of
 * the new counter, and the walks by stored_xid would never see a row stored afterwards. Start
 * is refused with the numbers of the fix, on real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents } from "../../../src/core/db/events.js";
import { migrate } from "../../../src/core/db/migrate.js";
import { readXidHorizon } from "../../../src/core/db/xid-horizon.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { fakeEvent } from "./helpers.js";

let db: TestDatabase;
const options = { profile: "bigbrotr" as const, partitions: 4 };

beforeAll(async () => {
  db = await createTestDatabase();
  await insertEvents(db.pool, [fakeEvent("xid-a"), fakeEvent("xid-b")], { profile: "bigbrotr" });
});

afterAll(async () => {
  await db?.drop();
});

describe("transaction horizon at start", () => {
  it("accepts a database whose rows were stored by this cluster", async () => {
    const horizon = await readXidHorizon(db.pool);
    expect(horizon.newest).toBeGreaterThan(0n);
    expect(horizon.newest).toBeLessThan(horizon.next);
    await expect(migrate(db.pool, options)).resolves.toMatchObject({ profile: "bigbrotr" });
  });

  it("refuses one restored from a cluster that had reached further, with the pg_resetwal numbers", async () => {
    // As a restore leaves it: a row stored by transaction 2^32 + 5 (epoch 1) of the old cluster.
    const ahead = (1n << 32n) + 5n;
    await db.pool.query(
      "UPDATE event SET stored_xid = $1::text::xid8 WHERE id = (SELECT id FROM event ORDER BY id LIMIT 1)",
      [ahead.toString()],
    );
    const refused = migrate(db.pool, options);
    await expect(refused).rejects.toThrow(/restored from another cluster/);
    await expect(refused).rejects.toThrow(/pg_resetwal -e 1 -x 6 /);
    await db.pool.query(
      "UPDATE event SET stored_xid = pg_current_xact_id() WHERE stored_xid = $1::text::xid8",
      [ahead.toString()],
    );
    await expect(migrate(db.pool, options)).resolves.toMatchObject({ profile: "bigbrotr" });
  });
});
