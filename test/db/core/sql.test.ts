import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataIntegrityError } from "../../../src/core/db/errors.js";
import { any, many, maybeOne, one } from "../../../src/core/db/sql.js";
import { transaction } from "../../../src/core/db/transaction.js";
import { NotFoundError } from "../../../src/models/errors.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

const ROWS = "SELECT x FROM generate_series(1, $1::int) AS x";

describe("cardinality helpers", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("one: exactly one row", async () => {
    expect(await one<{ x: number }>(db.pool, ROWS, [1])).toEqual({ x: 1 });
    await expect(one(db.pool, ROWS, [0])).rejects.toBeInstanceOf(NotFoundError);
    await expect(one(db.pool, ROWS, [2])).rejects.toBeInstanceOf(DataIntegrityError);
  });

  it("maybeOne: null for none, error for several", async () => {
    expect(await maybeOne(db.pool, ROWS, [0])).toBeNull();
    expect(await maybeOne(db.pool, ROWS, [1])).toEqual({ x: 1 });
    await expect(maybeOne(db.pool, ROWS, [3])).rejects.toBeInstanceOf(DataIntegrityError);
  });

  it("many: at least one row", async () => {
    expect(await many(db.pool, ROWS, [3])).toHaveLength(3);
    await expect(many(db.pool, ROWS, [0])).rejects.toBeInstanceOf(NotFoundError);
  });

  it("transaction nests in a caller's transaction and refuses a client outside one", async () => {
    await db.pool.query("CREATE TABLE t (v int)");
    await expect(
      transaction(db.pool, async (client) => {
        await transaction(client, (c) => c.query("INSERT INTO t VALUES (1)"));
        await expect(
          transaction(client, async (c) => {
            await c.query("INSERT INTO t VALUES (2)");
            throw new Error("inner");
          }),
        ).rejects.toThrow("inner");
        throw new Error("outer");
      }),
    ).rejects.toThrow("outer");
    expect((await db.pool.query("SELECT count(*)::int AS n FROM t")).rows[0].n).toBe(0);
    const client = await db.pool.connect();
    try {
      await expect(transaction(client, async () => 1)).rejects.toThrow(/transaction block/);
    } finally {
      client.release();
    }
  });
});

describe("named statements", () => {
  const NAMED = { name: "bigbrotr_test_rows", text: ROWS };
  const prepared = async (pool: pg.Pool) =>
    (await pool.query("SELECT name FROM pg_prepared_statements")).rows.map((r) => r.name);

  it("are prepared once per connection and run again by name", async () => {
    const db = await createTestDatabase({ poolSize: 1 });
    try {
      for (let n = 1; n <= 7; n++) expect(await any(db.pool, NAMED, [n])).toHaveLength(n);
      expect(await prepared(db.pool)).toEqual([NAMED.name]);
      const { rows } = await db.pool.query(
        "SELECT generic_plans + custom_plans AS runs FROM pg_prepared_statements",
      );
      expect(Number(rows[0].runs)).toBe(7);
    } finally {
      await db.drop();
    }
  });

  it.each([
    ["missing on the server (26000)", "DEALLOCATE ALL", 1],
    ["another client's there (42P05)", `PREPARE ${NAMED.name} AS SELECT 1`, 0],
  ])("are sent unnamed from then on by a pool whose server has them %s", async (_, sql, warm) => {
    // As PgBouncer before 1.21 in transaction mode hands a connection another server.
    const db = await createTestDatabase({ poolSize: 1 });
    try {
      if (warm) await any(db.pool, NAMED, [1]);
      await db.pool.query(sql);
      expect(await any(db.pool, NAMED, [3])).toHaveLength(3);
      await db.pool.query("DEALLOCATE ALL");
      expect(await any(db.pool, NAMED, [2])).toHaveLength(2);
      expect(await prepared(db.pool)).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});
