import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ConnectionLost,
  ForeignKeyViolation,
  SerializationFailure,
  UniqueViolation,
} from "../../../src/core/db/errors.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { affected, any } from "../../../src/core/db/sql.js";
import { transaction } from "../../../src/core/db/transaction.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const relay = (url: string) => ({ url, network: "clearnet" as const, discoveredAt: 1 });

async function relayUrls(db: pg.Pool): Promise<string[]> {
  const rows = await any<{ url: string }>(db, "SELECT url FROM relay ORDER BY url");
  return rows.map((r) => r.url);
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("expected a failure"),
    (e: unknown) => e,
  );
}

describe("the query path and the transaction helper", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ poolSize: 4 });
    await db.pool.query("CREATE TABLE counter (k text PRIMARY KEY, n int NOT NULL)");
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    await db.pool.query("DELETE FROM relay");
    await db.pool.query("TRUNCATE counter");
    await db.pool.query("INSERT INTO counter VALUES ('a', 0), ('b', 0)");
  });

  it("maps SQLSTATE to typed errors, on a pool and inside a transaction", async () => {
    const insert = "INSERT INTO relay (url, network, discovered_at) VALUES ($1, 'clearnet', 1)";
    await affected(db.pool, insert, ["wss://a.example"]);
    const direct = await errorOf(affected(db.pool, insert, ["wss://a.example"]));
    expect(direct).toBeInstanceOf(UniqueViolation);
    expect(direct).toMatchObject({ code: "23505" });
    const inTx = await errorOf(transaction(db.pool, (c) => c.query(insert, ["wss://a.example"])));
    expect(inTx).toBeInstanceOf(UniqueViolation);
    expect((inTx as UniqueViolation).message).toMatch(/relay_url_key/);
    const fk = await errorOf(
      affected(
        db.pool,
        `INSERT INTO relay_metadata (relay_id, metadata_type, generated_at, metadata_id)
         SELECT id, 'nip11_info', 1, '\\x00' FROM relay`,
      ),
    );
    expect(fk).toBeInstanceOf(ForeignKeyViolation);
    expect(fk).toMatchObject({ code: "23503" });
  });

  it("runs the function again when the connection is lost before COMMIT, committing once", async () => {
    let calls = 0;
    const pid = deferred<number>();
    const resume = deferred();
    const run = transaction(db.pool, async (c) => {
      calls += 1;
      await insertRelays(c, [relay(`wss://attempt${calls}.example`)]);
      if (calls === 1) {
        const { rows } = await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        pid.resolve(rows[0]?.pid ?? 0);
        await resume.promise;
      }
      await insertRelays(c, [relay("wss://both.example")]);
      return calls;
    });
    const victim = await pid.promise;
    await db.pool.query("SELECT pg_terminate_backend($1)", [victim]);
    for (let i = 0; i < 100; i++) {
      const { rows } = await db.pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [
        victim,
      ]);
      if (rows.length === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    resume.resolve();
    expect(await run).toBe(2);
    expect(calls).toBe(2);
    expect(await relayUrls(db.pool)).toEqual(["wss://attempt2.example", "wss://both.example"]);
  });

  it("surfaces a lost connection as ConnectionLost when no retry is left", async () => {
    let calls = 0;
    const error = await errorOf(
      transaction(
        db.pool,
        async (c) => {
          calls += 1;
          await c.query("SELECT pg_terminate_backend(pg_backend_pid())");
        },
        { retries: 0 },
      ),
    );
    expect(error).toBeInstanceOf(ConnectionLost);
    expect(calls).toBe(1);
    // The broken connection was dropped, not handed back: the pool still works.
    expect(await relayUrls(db.pool)).toEqual([]);
  });

  /** Two transactions that update rows a and b in opposite orders, meeting in the middle. */
  async function deadlock(retries: number) {
    const calls = { ab: 0, ba: 0 };
    let arrived = 0;
    const both = deferred();
    const tx = (name: "ab" | "ba", first: string, second: string) =>
      transaction(
        db.pool,
        async (c) => {
          calls[name] += 1;
          await c.query("SET LOCAL deadlock_timeout = '50ms'");
          await c.query("UPDATE counter SET n = n + 1 WHERE k = $1", [first]);
          if (calls[name] === 1) {
            arrived += 1;
            if (arrived === 2) both.resolve();
            await both.promise;
          }
          await c.query("UPDATE counter SET n = n + 1 WHERE k = $1", [second]);
        },
        { retries, retryDelayMs: 10 },
      );
    const settled = await Promise.allSettled([tx("ab", "a", "b"), tx("ba", "b", "a")]);
    const counts = await any<{ k: string; n: number }>(
      db.pool,
      "SELECT k, n FROM counter ORDER BY k",
    );
    return { calls, settled, counts: counts.map((r) => r.n) };
  }

  it("retries the deadlock victim: both transactions end committed", async () => {
    const { calls, settled, counts } = await deadlock(1);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(calls.ab + calls.ba).toBe(3);
    expect(counts).toEqual([2, 2]);
  });

  it("reports a deadlock as SerializationFailure (40P01) without retries", async () => {
    const { settled, counts } = await deadlock(0);
    const failed = settled.filter((s) => s.status === "rejected");
    expect(failed).toHaveLength(1);
    const reason = (failed[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(SerializationFailure);
    expect(reason).toMatchObject({ code: "40P01" });
    expect(counts).toEqual([1, 1]);
  });

  it("never retries inside a caller's transaction, nor errors that are not transient", async () => {
    const raise = (c: pg.ClientBase) =>
      c.query("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$");
    let inner = 0;
    let outer = 0;
    const error = await errorOf(
      transaction(
        db.pool,
        async (c) => {
          outer += 1;
          await transaction(c, async (nested) => {
            inner += 1;
            await raise(nested);
          });
        },
        { retries: 0 },
      ),
    );
    expect(error).toBeInstanceOf(SerializationFailure);
    expect([outer, inner]).toEqual([1, 1]);

    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      let calls = 0;
      const onClient = await errorOf(
        transaction(
          client,
          async (c) => {
            calls += 1;
            await raise(c);
          },
          { retries: 3 },
        ),
      );
      expect(onClient).toMatchObject({ code: "40001" });
      expect(calls).toBe(1);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }

    let bugs = 0;
    const bug = new TypeError("a bug");
    const thrown = await errorOf(
      transaction(db.pool, async () => {
        bugs += 1;
        throw bug;
      }),
    );
    expect(thrown).toBe(bug);
    expect(bugs).toBe(1);
  });

  it("runs the function again after a serialization failure in its own transaction", async () => {
    let calls = 0;
    await transaction(db.pool, async (c) => {
      calls += 1;
      await insertRelays(c, [relay(`wss://try${calls}.example`)]);
      if (calls === 1) {
        await c.query("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$");
      }
    });
    expect(calls).toBe(2);
    expect(await relayUrls(db.pool)).toEqual(["wss://try2.example"]);
  });
});
