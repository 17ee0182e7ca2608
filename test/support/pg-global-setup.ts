import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/core/db/embedded.js";
import { migrate, type Profile } from "../../src/core/db/migrate.js";
import { createPool } from "../../src/core/db/pool.js";
import { freePort } from "./free-port.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the test server's maintenance database. */
    pgAdminUrl: string;
  }
}

export const TEMPLATE_PARTITIONS = 4;

export function templateName(profile: Profile): string {
  return `bigbrotr_template_${profile}`;
}

async function buildTemplate(adminUrl: string, profile: Profile): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = templateName(profile);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool({ url: url.toString(), max: 1 });
  try {
    await migrate(pool, { profile, partitions: TEMPLATE_PARTITIONS });
  } finally {
    await pool.end();
  }
}

/**
 * Starts one real PostgreSQL for the whole run (embedded, in a temp folder) unless
 * TEST_DATABASE_URL names a server we may create databases on; then migrates one template
 * database per profile, which every test file clones.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let teardown = async () => {};
  if (!adminUrl) {
    const dir = await mkdtemp(join(tmpdir(), "bigbrotr-test-pg-"));
    const server = await startEmbeddedPostgres({
      dataDir: dir,
      port: await freePort(),
      database: "postgres",
      settings: {
        fsync: "off",
        synchronous_commit: "off",
        full_page_writes: "off",
        max_connections: 200,
      },
    });
    adminUrl = server.adminUrl;
    teardown = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  await buildTemplate(adminUrl, "bigbrotr");
  await buildTemplate(adminUrl, "lilbrotr");
  project.provide("pgAdminUrl", adminUrl);
  return teardown;
}
