import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { MigrationError } from "./errors.js";
import type { Db } from "./pool.js";
import { any, exec, one } from "./sql.js";
import { checkXidHorizon } from "./xid-horizon.js";

/** Storage profile: `bigbrotr` keeps whole events, `lilbrotr` drops tags, content and sig. */
export type Profile = "bigbrotr" | "lilbrotr";

export interface SchemaOptions {
  profile: Profile;
  /** Hash partitions of event and event_relay; fixed when the schema is first created. */
  partitions: number;
  /**
   * Stop after this version (tests and benchmarks that need an older schema, e.g. to test an
   * upgrade); default: every migration.
   */
  until?: number;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: number[];
  current: number;
  profile: Profile;
  partitions: number;
}

/** The package's migrations folder, both from src/ (tsx) and dist/ (compiled). */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../db/migrations/", import.meta.url));

/** From this version on, event, event_relay and relay_metadata carry stored_xid (000008). */
const XID_COLUMNS_VERSION = 8;

// One 64-bit key for every bigbrotr migrator, taken per transaction (works through PgBouncer).
const LOCK_KEY = "7425146731800191321";

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{6}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const sql = await readFile(`${dir}/${file}`, "utf8");
    migrations.push({
      version: Number(file.slice(0, 6)),
      name: file.slice(7, -4),
      sql,
      checksum: createHash("sha256").update(sql).digest("hex"),
    });
  }
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new MigrationError(`migration ${m.version} is out of sequence`, undefined);
  });
  return migrations;
}

const BOOKKEEPING = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

async function appliedMigrations(
  client: pg.PoolClient,
): Promise<Map<number, { name: string; checksum: string }>> {
  const rows = await any<{ version: number; name: string; checksum: string }>(
    client,
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
  );
  return new Map(rows.map((r) => [r.version, { name: r.name, checksum: r.checksum }]));
}

function checkHistory(
  applied: Map<number, { name: string; checksum: string }>,
  known: Migration[],
): void {
  const newest = Math.max(0, ...applied.keys());
  if (newest > known.length) {
    throw new MigrationError(
      `database schema is at version ${newest}, newer than this code (${known.length}); upgrade bigbrotr`,
      undefined,
    );
  }
  for (const m of known) {
    const row = applied.get(m.version);
    if (row && row.checksum !== m.checksum) {
      throw new MigrationError(
        `migration ${m.version}_${m.name} was changed after it was applied (checksum differs)`,
        undefined,
      );
    }
  }
}

/** Applies one migration in its own transaction, under the advisory lock; false if already done. */
async function applyOne(
  client: pg.PoolClient,
  m: Migration,
  opts: SchemaOptions,
): Promise<boolean> {
  await exec(client, "BEGIN");
  try {
    await exec(client, `SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
    await exec(client, BOOKKEEPING);
    const applied = await appliedMigrations(client);
    checkHistory(applied, await loadMigrationsCached());
    if (applied.has(m.version)) {
      await exec(client, "ROLLBACK");
      return false;
    }
    await exec(client, "SELECT set_config('bigbrotr.profile', $1, true)", [opts.profile]);
    await exec(client, "SELECT set_config('bigbrotr.partitions', $1, true)", [
      String(opts.partitions),
    ]);
    await exec(
      client,
      "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
      [m.version, m.name, m.checksum],
    );
    await exec(client, m.sql);
    await exec(client, "COMMIT");
    return true;
  } catch (error) {
    await exec(client, "ROLLBACK").catch(() => {});
    if (error instanceof MigrationError) throw error;
    throw new MigrationError(
      `migration ${m.version}_${m.name} failed: ${(error as Error).message}`,
      (error as { code?: string }).code,
      { cause: error },
    );
  }
}

let cached: Migration[] | undefined;
async function loadMigrationsCached(): Promise<Migration[]> {
  cached ??= await loadMigrations();
  return cached;
}

/** True when every known migration is applied (and history checks pass); throws on drift. */
async function isCurrent(client: pg.PoolClient, known: Migration[]): Promise<boolean> {
  const exists = await one<{ t: string | null }>(
    client,
    "SELECT to_regclass('schema_migrations')::text AS t",
  );
  if (!exists.t) return false;
  const applied = await appliedMigrations(client);
  checkHistory(applied, known);
  return known.every((m) => applied.has(m.version));
}

/** The profile and partition count the schema was created with (brotr_settings). */
export async function readSettings(db: Db): Promise<SchemaOptions> {
  const rows = await any<{ key: string; value: string }>(
    db,
    "SELECT key, value FROM brotr_settings WHERE key IN ('profile', 'partitions')",
  );
  const map = new Map(rows.map((r) => [r.key, r.value]));
  return { profile: map.get("profile") as Profile, partitions: Number(map.get("partitions")) };
}

/**
 * Brings the database up to the code's schema. Refuses a database newer than the code, an
 * edited migration, a database created with another profile than `options.profile`, or one
 * restored from another cluster whose transaction counter is behind its rows (xid-horizon.ts).
 * The profile and partition count only matter when the schema is first created.
 */
export async function migrate(pool: pg.Pool, options: SchemaOptions): Promise<MigrateResult> {
  const known = await loadMigrationsCached();
  const migrations = known.filter((m) => m.version <= (options.until ?? known.length));
  const client = await pool.connect();
  try {
    const applied: number[] = [];
    // Fast path, read-only: a current database needs no lock and no DDL, so services running
    // as least-privilege roles (no CREATE on the schema) can start.
    if (!(await isCurrent(client, migrations))) {
      for (const m of migrations) {
        if (await applyOne(client, m, options)) applied.push(m.version);
      }
    }
    const settings = await readSettings(client);
    if (settings.profile !== options.profile) {
      throw new MigrationError(
        `the database holds a ${settings.profile} archive but the configuration asks for ${options.profile}`,
        undefined,
      );
    }
    if (migrations.length >= XID_COLUMNS_VERSION) await checkXidHorizon(client);
    return { applied, current: migrations.length, ...settings };
  } finally {
    client.release();
  }
}

/** The schema version the database is at (0 when never migrated). */
export async function schemaVersion(db: Db): Promise<number> {
  const exists = await one<{ t: string | null }>(
    db,
    "SELECT to_regclass('schema_migrations')::text AS t",
  );
  if (!exists.t) return 0;
  const { v } = await one<{ v: number }>(
    db,
    "SELECT coalesce(max(version), 0) AS v FROM schema_migrations",
  );
  return v;
}
