import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteInBatches } from "../../../src/core/db/batched-delete.js";
import { copyLines } from "../../../src/core/db/copy.js";
import {
  ConnectionLost,
  DbError,
  MigrationError,
  UniqueViolation,
} from "../../../src/core/db/errors.js";
import { lockSightingsShared, writeSightings } from "../../../src/core/db/event-relays.js";
import { copyEvents, prepareEvents, writeEventsReturningNew } from "../../../src/core/db/events.js";
import { migrate, readSettings } from "../../../src/core/db/migrate.js";
import { createLoginRoles, GROUP_ROLES } from "../../../src/core/db/roles.js";
import {
  createEmptyDatabase,
  createTestDatabase,
  dropRoles,
  type TestDatabase,
} from "../../support/pg.js";
import { fakeEvent } from "./helpers.js";

/**
 * Every statement of core/db leaves through the DbError mapping (sql.ts, copy.ts), also where
 * a function is handed a client and no transaction() boundary would map the error later: a
 * caller branching on ConnectionLost or UniqueViolation inside its own transaction sees them.
 */
let db: TestDatabase;
const held: pg.PoolClient[] = [];
const loginName = `t${randomBytes(4).toString("hex")}_denied`;

/** A client whose server process was terminated: its next statement fails without a code. */
async function lostClient(): Promise<pg.PoolClient> {
  const client = await db.pool.connect();
  held.push(client);
  client.on("error", () => {});
  const ended = new Promise((resolve) => client.once("end", resolve));
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  await db.pool.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
  await ended;
  return client;
}

const rows = prepareEvents([fakeEvent("db-errors")]).rows;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const client of held) client.release(true);
  await db.drop();
  await dropRoles([loginName]);
});

describe("a lost connection is ConnectionLost on every client path", () => {
  it("events: the COPY path and the unnest path", async () => {
    await expect(copyEvents(await lostClient(), rows, "bigbrotr")).rejects.toBeInstanceOf(
      ConnectionLost,
    );
    await expect(
      writeEventsReturningNew(await lostClient(), rows, "bigbrotr", Number.POSITIVE_INFINITY),
    ).rejects.toBeInstanceOf(ConnectionLost);
  });

  it("event-relays: the sightings lock and the COPY path", async () => {
    await expect(lockSightingsShared(await lostClient())).rejects.toBeInstanceOf(ConnectionLost);
    const sighting = { eventId: "ab".repeat(32), relayId: 1, seenAt: 1 };
    await expect(writeSightings(await lostClient(), [sighting], 0)).rejects.toBeInstanceOf(
      ConnectionLost,
    );
  });
});

describe("a refused statement is its DbError subclass", () => {
  it("copy: a COPY that breaks a unique key is a UniqueViolation", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("CREATE TEMP TABLE uniq (x int PRIMARY KEY) ON COMMIT DROP");
      const copy = copyLines(client, "COPY uniq FROM STDIN", ["1\n", "1\n"]);
      await expect(copy).rejects.toBeInstanceOf(UniqueViolation);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });

  it("batched-delete: a batch statement that breaks a unique key", async () => {
    // (transaction() maps at its boundary too; this keeps the outcome pinned.)
    await db.pool.query("CREATE TABLE uniq_batch (x int PRIMARY KEY)");
    const batch = {
      pick: "SELECT 1 AS x LIMIT $1",
      beforeRemove: "INSERT INTO uniq_batch VALUES (1), (1)",
      remove: "SELECT 1",
      params: () => [],
    };
    await expect(deleteInBatches(db.pool, batch, {})).rejects.toBeInstanceOf(UniqueViolation);
  });

  it("roles: a role that may not create roles gets the server's refusal (42501)", async () => {
    // (Also mapped at transaction()'s boundary: the statements run inside createLoginRoles's.)
    const url = new URL(db.url);
    url.searchParams.set("options", `-c role=${GROUP_ROLES.reader}`);
    const reader = new pg.Pool({ connectionString: url.toString(), max: 1 });
    try {
      const refused = createLoginRoles(reader, { reader: "x" }, { users: { reader: loginName } });
      await expect(refused).rejects.toBeInstanceOf(DbError);
      await expect(refused).rejects.toMatchObject({ code: "42501" });
    } finally {
      await reader.end();
    }
  });

  it("migrate: the read-only checks, readSettings, and a failing migration's cause", async () => {
    const empty = await createEmptyDatabase();
    try {
      const options = { profile: "bigbrotr" as const, partitions: 2 };
      await expect(readSettings(empty.pool)).rejects.toMatchObject({ code: "42P01" });
      await expect(readSettings(empty.pool)).rejects.toBeInstanceOf(DbError);
      // A bookkeeping table of another shape: the fast path's read fails before any lock.
      await empty.pool.query("CREATE TABLE schema_migrations (version int)");
      const stale = migrate(empty.pool, options);
      await expect(stale).rejects.toBeInstanceOf(DbError);
      await expect(stale).rejects.toMatchObject({ code: "42703" });
      // Inside a migration every failure is a MigrationError whose cause is the mapped error.
      await empty.pool.query("DROP TABLE schema_migrations; CREATE TABLE relay (x int)");
      const failed = await migrate(empty.pool, options).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(MigrationError);
      expect((failed as MigrationError).cause).toBeInstanceOf(DbError);
    } finally {
      await empty.drop();
    }
  });
});
