/**
 * The soak's one PostgreSQL (the embedded server, its own data folder), migrated, and its two
 * outages: stopped (immediate shutdown, started again later, crash recovery included) and
 * frozen (SIGSTOP of the postmaster and every backend: connections stay open, nothing answers).
 */
import type pg from "pg";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../src/core/db/embedded.js";
import { migrate } from "../../src/core/db/migrate.js";
import { createPool } from "../../src/core/db/pool.js";
import { freePort } from "../../test/support/free-port.js";
import { freezeServer, postmasterPid, signalAll } from "../../test/support/pg-freeze.js";

export interface SoakDatabase {
  server: EmbeddedPostgres;
  url: string;
  /** A small pool for the soak's own reads (checks, progress). */
  pool: pg.Pool;
  /** Stopped (mode "stop") or frozen (mode "freeze") for `ms`, then back. */
  outage(mode: "stop" | "freeze", ms: number): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitStopped(server: EmbeddedPostgres): Promise<void> {
  while (server.running()) await sleep(100);
}

export async function startSoakDatabase(dataDir: string): Promise<SoakDatabase> {
  const server = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    database: "bigbrotr",
    settings: { max_connections: 200, shared_buffers: "256MB" },
  });
  // Its reads at the end are few but large: a long wait for a connection on a loaded machine.
  const pool = createPool({
    url: server.url,
    max: 4,
    applicationName: "soak",
    connectionTimeoutMs: 120_000,
  });
  await migrate(pool, { profile: "bigbrotr", partitions: 4 });
  let thaw = () => {};
  return {
    server,
    url: server.url,
    pool,
    async outage(mode, ms) {
      if (mode === "freeze") {
        thaw = await freezeServer(dataDir);
        await sleep(ms);
        thaw();
        return;
      }
      signalAll([await postmasterPid(dataDir)], "SIGQUIT"); // immediate shutdown: crash recovery at the next start
      await waitStopped(server);
      await sleep(ms);
      await server.restart();
    },
    async close() {
      thaw(); // a run stopped during a freeze
      await pool.end().catch(() => {});
      await server.stop();
    },
  };
}
