import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../src/core/db/embedded.js";
import { migrate, type Profile } from "../../src/core/db/migrate.js";
import { createPool } from "../../src/core/db/pool.js";
import { freePort } from "../../test/support/free-port.js";

/** Server settings of the benchmark: PostgreSQL defaults (fsync and synchronous_commit on)
 * except memory and WAL size, set as a small production box would have them. */
export const BENCH_SETTINGS = {
  shared_buffers: "1GB",
  max_wal_size: "4GB",
  max_connections: 20,
};

export interface BenchServer {
  server: EmbeddedPostgres;
  version: string;
  /** PID of the postmaster, for CPU accounting. */
  postmasterPid: number;
  /** A freshly created and migrated database of `profile`. */
  freshDatabase(
    profile: Profile,
    partitions: number,
    connections?: number,
    /** Last migration to apply (default all): 4 gives the v1 schema. */
    until?: number,
  ): Promise<pg.Pool>;
  /** A pool on the database freshDatabase created earlier (a kept data folder), or null. */
  existingDatabase(connections?: number): Promise<pg.Pool | null>;
  /** URL of the database freshDatabase creates (for a service run as its own process). */
  databaseUrl: string;
  close(): Promise<void>;
}

async function adminQuery(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

export interface BenchServerOptions {
  /** A folder kept after close (a later run finds its database there); default a temp dir. */
  dataDir?: string;
  /** Settings over BENCH_SETTINGS (applied at each start: a kept folder takes the new ones). */
  settings?: Record<string, string | number>;
}

/**
 * Starts an embedded PostgreSQL on an ephemeral 127.0.0.1 port, in a temp folder removed on
 * close, or in `dataDir`, kept (a server left running there by a killed run is adopted).
 */
export async function startBenchServer(options: BenchServerOptions = {}): Promise<BenchServer> {
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "bigbrotr-bench-pg-")));
  if (options.dataDir) await mkdir(dir, { recursive: true });
  const server = await startEmbeddedPostgres({
    dataDir: dir,
    port: await freePort(),
    database: "postgres",
    settings: { ...BENCH_SETTINGS, ...options.settings },
  });
  const version = String(
    (await adminQuery(server.adminUrl, "SHOW server_version")).rows[0].server_version,
  );
  const pidFile = await readFile(join(dir, "pg", "postmaster.pid"), "utf8");
  let pool: pg.Pool | undefined;
  const benchUrl = new URL(server.adminUrl);
  benchUrl.pathname = "/bench";
  return {
    databaseUrl: benchUrl.toString(),
    server,
    version,
    postmasterPid: Number(pidFile.split("\n")[0]),
    async freshDatabase(profile, partitions, connections = 1, until) {
      await pool?.end();
      await adminQuery(server.adminUrl, "DROP DATABASE IF EXISTS bench WITH (FORCE)");
      await adminQuery(server.adminUrl, "CREATE DATABASE bench");
      pool = createPool({ url: benchUrl.toString(), max: connections, applicationName: "bench" });
      await migrate(
        pool,
        until === undefined ? { profile, partitions } : { profile, partitions, until },
      );
      return pool;
    },
    async existingDatabase(connections = 1) {
      const found = await adminQuery(
        server.adminUrl,
        "SELECT 1 FROM pg_database WHERE datname = 'bench'",
      );
      if (found.rowCount === 0) return null;
      await pool?.end();
      pool = createPool({ url: benchUrl.toString(), max: connections, applicationName: "bench" });
      return pool;
    },
    async close() {
      await pool?.end();
      await server.stop();
      if (!options.dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
