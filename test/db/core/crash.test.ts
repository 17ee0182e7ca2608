import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type ArchiveItem, archiveEvents } from "../../../src/core/db/archive.js";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../../src/core/db/embedded.js";
import { migrate } from "../../../src/core/db/migrate.js";
import { createPool } from "../../../src/core/db/pool.js";
import { freePort } from "../../support/free-port.js";
import { fakeEvents } from "./helpers.js";

/**
 * docs/database.md "Write path and crash safety": with synchronous_commit off, a crash may lose
 * the last commits, but a batch and the cursor that covers it are one transaction, so after
 * recovery the archive holds exactly the batches up to the cursor: never more, never less.
 */
const BATCH = 40;
const batchOf = (n: number) => fakeEvents(`crash-${n}-`, BATCH);
const items = (n: number): ArchiveItem[] =>
  batchOf(n).map((event) => ({
    event,
    relayUrl: "wss://crash.example",
    network: "clearnet",
    seenAt: n,
  }));

async function waitForExit(pid: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`postmaster ${pid} did not exit`);
}

describe("crash safety of asynchronous archive commits", () => {
  let dir = "";
  let server: EmbeddedPostgres | undefined;
  let pool: pg.Pool | undefined;
  afterAll(async () => {
    await pool?.end().catch(() => {});
    await server?.stop().catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loses a suffix of batches together with their cursor, and keeps the rest exactly", async () => {
    dir = await mkdtemp(join(tmpdir(), "bigbrotr-crash-"));
    const port = await freePort();
    // The WAL writer sleeps 10 s, so asynchronous commits stay unflushed until the crash.
    const settings = { wal_writer_delay: "10000ms", fsync: "on" };
    server = await startEmbeddedPostgres({ dataDir: dir, port, database: "crash", settings });
    pool = createPool({ url: server.url, max: 2 });
    await migrate(pool, { profile: "bigbrotr", partitions: 2 });
    // Batch 0 commits synchronously, so it survives whatever happens after it.
    const cursor = (n: number) => [
      {
        serviceName: "sync",
        stateType: "cursor" as const,
        stateKey: "wss://crash.example",
        stateValue: { batch: n },
      },
    ];
    await archiveEvents(pool, items(0), { profile: "bigbrotr", cursor: cursor(0) });
    let committed = 0;
    for (let n = 1; n <= 60; n++) {
      await archiveEvents(pool, items(n), {
        profile: "bigbrotr",
        cursor: cursor(n),
        asyncCommit: true,
      });
      committed = n;
    }
    const pid = Number((await readFile(join(dir, "pg", "postmaster.pid"), "utf8")).split("\n")[0]);
    await pool.end().catch(() => {});
    pool = undefined;
    process.kill(pid, "SIGQUIT"); // immediate shutdown: no checkpoint, no WAL flush
    await waitForExit(pid);

    server = await startEmbeddedPostgres({ dataDir: dir, port, database: "crash", settings });
    pool = createPool({ url: server.url, max: 1 });
    const state = await pool.query(
      "SELECT (state_value ->> 'batch')::int AS batch FROM service_state WHERE state_type = 'cursor'",
    );
    const survived = state.rows[0]?.batch as number;
    // Something was lost (the commits were really asynchronous) but not the synchronous one.
    expect(survived).toBeGreaterThanOrEqual(0);
    expect(survived).toBeLessThan(committed);
    const { rows } = await pool.query<{ id: string }>("SELECT encode(id, 'hex') AS id FROM event");
    const expected = Array.from({ length: survived + 1 }, (_, n) =>
      batchOf(n).map((e) => e.id),
    ).flat();
    expect(rows.map((r) => r.id).sort()).toEqual(expected.sort());
    const sightings = await pool.query("SELECT count(*)::int AS n FROM event_relay");
    expect(sightings.rows[0].n).toBe(expected.length);
  });
});
