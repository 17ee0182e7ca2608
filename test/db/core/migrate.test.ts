import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { MigrationError } from "../../../src/core/db/errors.js";
import { loadMigrations, migrate, schemaVersion } from "../../../src/core/db/migrate.js";
import { createPool } from "../../../src/core/db/pool.js";
import { createLoginRoles } from "../../../src/core/db/roles.js";
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from "../../support/pg.js";

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

async function tables(database: TestDatabase): Promise<string[]> {
  const { rows } = await database.pool.query<{ relname: string }>(
    "SELECT relname FROM pg_class WHERE relkind IN ('r','p') AND relnamespace = 'public'::regnamespace ORDER BY 1",
  );
  return rows.map((r) => r.relname);
}

describe("migrator", () => {
  it("creates the whole schema on an empty database and records every migration", async () => {
    db = await createEmptyDatabase();
    expect(await schemaVersion(db.pool)).toBe(0);
    const known = await loadMigrations();
    const result = await migrate(db.pool, { profile: "bigbrotr", partitions: 3 });
    expect(result.applied).toEqual(known.map((m) => m.version));
    expect(await schemaVersion(db.pool)).toBe(known.length);
    const names = await tables(db);
    for (const t of [
      "relay",
      "event",
      "event_relay",
      "metadata",
      "relay_metadata",
      "service_state",
    ]) {
      expect(names).toContain(t);
    }
    expect(names.filter((n) => /^event_p\d+$/.test(n))).toHaveLength(3);
    expect(names.filter((n) => /^event_relay_p\d+$/.test(n))).toHaveLength(3);
  });

  it("is a no-op when re-run, and concurrent runs apply each migration once", async () => {
    db = await createEmptyDatabase();
    const opts = { profile: "lilbrotr", partitions: 2 } as const;
    const [a, b] = await Promise.all([migrate(db.pool, opts), migrate(db.pool, opts)]);
    const known = await loadMigrations();
    expect([...a.applied, ...b.applied].sort((x, y) => x - y)).toEqual(known.map((m) => m.version));
    const again = await migrate(db.pool, opts);
    expect(again.applied).toEqual([]);
    expect(again.profile).toBe("lilbrotr");
  });

  it("refuses a database whose schema is newer than the code", async () => {
    db = await createEmptyDatabase();
    await migrate(db.pool, { profile: "bigbrotr", partitions: 1 });
    await db.pool.query(
      "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')",
    );
    await expect(migrate(db.pool, { profile: "bigbrotr", partitions: 1 })).rejects.toThrow(
      /newer than this code/,
    );
  });

  it("refuses an edited migration and a profile mismatch", async () => {
    db = await createEmptyDatabase();
    await migrate(db.pool, { profile: "bigbrotr", partitions: 1 });
    await expect(migrate(db.pool, { profile: "lilbrotr", partitions: 1 })).rejects.toThrow(
      /holds a bigbrotr archive/,
    );
    await db.pool.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
    await expect(migrate(db.pool, { profile: "bigbrotr", partitions: 1 })).rejects.toBeInstanceOf(
      MigrationError,
    );
  });

  it("rejects an out-of-range partition count without leaving a partial schema", async () => {
    db = await createEmptyDatabase();
    await expect(migrate(db.pool, { profile: "bigbrotr", partitions: 0 })).rejects.toThrow(
      /partitions must be between 1 and 256/,
    );
    expect(await tables(db)).toEqual([]);
    expect(await schemaVersion(db.pool)).toBe(0);
  });
});

describe("migrator and least-privilege roles", () => {
  it("lets writer and reader logins start on a current database (no DDL, no lock)", async () => {
    db = await createTestDatabase();
    const suffix = randomBytes(3).toString("hex");
    const users = { writer: `w_${suffix}`, reader: `r_${suffix}` };
    const password = `pw-${suffix}`;
    await createLoginRoles(db.pool, { writer: password, reader: password }, { users });
    try {
      for (const user of Object.values(users)) {
        const url = new URL(db.url);
        url.username = user;
        url.password = password;
        const pool = createPool({ url: url.toString(), max: 1 });
        try {
          const result = await migrate(pool, { profile: "bigbrotr", partitions: 4 });
          expect(result.applied).toEqual([]);
          await expect(pool.query("CREATE TABLE intruder (x int)")).rejects.toThrow(
            /permission denied/,
          );
        } finally {
          await pool.end();
        }
      }
    } finally {
      await db.pool.query(`DROP OWNED BY ${users.writer}, ${users.reader}`);
      await db.pool.query(`DROP ROLE ${users.writer}, ${users.reader}`);
    }
  });
});
