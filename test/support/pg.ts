import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import type { Profile } from "../../src/core/db/migrate.js";
import { createPool } from "../../src/core/db/pool.js";

export interface TestDatabase {
  /** URL of the cloned database (superuser). */
  url: string;
  /** Superuser URL of the maintenance database, for creating roles or other databases. */
  adminUrl: string;
  name: string;
  pool: pg.Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function databaseUrl(name: string): string {
  const url = new URL(inject("pgAdminUrl"));
  url.pathname = `/${name}`;
  return url.toString();
}

async function openDatabase(
  name: string,
  createSql: string,
  poolSize: number,
): Promise<TestDatabase> {
  await admin((c) => c.query(createSql));
  const url = databaseUrl(name);
  const pool = createPool({ url, max: poolSize });
  return {
    url,
    adminUrl: inject("pgAdminUrl"),
    name,
    pool,
    async drop() {
      await pool.end();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A fresh, fully migrated database cloned from the profile's template (fast: a file copy). */
export async function createTestDatabase(
  options: { profile?: Profile; poolSize?: number } = {},
): Promise<TestDatabase> {
  const profile = options.profile ?? "bigbrotr";
  const name = `test_${profile}_${randomBytes(5).toString("hex")}`;
  const sql = `CREATE DATABASE ${name} TEMPLATE bigbrotr_template_${profile}`;
  return openDatabase(name, sql, options.poolSize ?? 5);
}

/** An empty database (no schema), for migrator tests. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `test_empty_${randomBytes(5).toString("hex")}`;
  return openDatabase(name, `CREATE DATABASE ${name}`, 3);
}

/** Drops login roles a test created (roles are cluster-wide: the server outlives the test). */
export async function dropRoles(names: readonly string[]): Promise<void> {
  await admin(async (c) => {
    for (const name of names) await c.query(`DROP ROLE IF EXISTS ${name}`);
  });
}

/** What a server at `url` answers to `SELECT 41 + 1` on a fresh connection (42 when it serves). */
export async function serverAnswer(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ n: number }>("SELECT 41 + 1 AS n")).rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}
