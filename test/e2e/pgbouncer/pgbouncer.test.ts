import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findEvents } from "../../../src/core/db/api/event-filter.js";
import { archiveEvents } from "../../../src/core/db/archive.js";
import { migrate } from "../../../src/core/db/migrate.js";
import { createPool } from "../../../src/core/db/pool.js";
import { insertCandidates } from "../../../src/core/db/service-state/candidates.js";
import { refreshStatistics } from "../../../src/core/db/statistics/refresh.js";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import { readCandidates } from "../../support/candidates.js";
import { findTool, skipWithout, toolPath } from "../../support/external-tool.js";
import { freePort } from "../../support/free-port.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

/**
 * The claim "works through PgBouncer in transaction mode", tested: a real pgbouncer (Debian's
 * package; CI installs it) in front of the test server, with server connections shared
 * between clients transaction by transaction. Skipped where no pgbouncer binary exists (a
 * developer machine without Debian's package); under CI (CI=true) a missing one fails.
 */
const PGBOUNCER = findTool(
  "pgbouncer",
  ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"],
  "apt-get install --no-install-recommends pgbouncer",
);
const asRoot = process.getuid?.() === 0;

let db: TestDatabase;
let dir: string;
let bouncer: ChildProcess | undefined;
let viaBouncer: pg.Pool;

async function startBouncer(target: URL): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), "bigbrotr-pgbouncer-"));
  const port = await freePort();
  const user = decodeURIComponent(target.username);
  const password = decodeURIComponent(target.password);
  const name = target.pathname.slice(1);
  await writeFile(join(dir, "users.txt"), `"${user}" "${password}"\n`);
  await writeFile(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `${name} = host=${target.hostname} port=${target.port} dbname=${name}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = scram-sha-256",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = transaction",
      "default_pool_size = 1",
      "max_client_conn = 50",
      "ignore_startup_parameters = extra_float_digits,statement_timeout",
    ].join("\n"),
  );
  // pgbouncer refuses to run as root: as root, run it as the postgres user.
  let account = {};
  if (asRoot) {
    const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
    const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
    await chmod(dir, 0o755);
    for (const f of ["", "users.txt", "pgbouncer.ini"]) await chown(join(dir, f), uid, gid);
    account = { uid, gid };
  }
  bouncer = spawn(toolPath(PGBOUNCER), [join(dir, "pgbouncer.ini")], { stdio: "pipe", ...account });
  let log = "";
  bouncer.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  for (let i = 0; i < 50 && !log.includes("process up"); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!log.includes("process up")) throw new Error(`pgbouncer did not start: ${log}`);
  const url = new URL(target);
  url.port = String(port);
  return url.toString();
}

describe.skipIf(skipWithout(PGBOUNCER))("through PgBouncer in transaction mode", () => {
  beforeAll(async () => {
    toolPath(PGBOUNCER);
    db = await createTestDatabase();
    viaBouncer = createPool({ url: await startBouncer(new URL(db.url)), max: 6 });
  });

  afterAll(async () => {
    await viaBouncer?.end();
    if (bouncer) {
      bouncer.kill("SIGTERM");
      await once(bouncer, "exit");
    }
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shares one server connection between clients, transaction by transaction", async () => {
    const pids = await Promise.all(
      [1, 2].map(async () => {
        const client = await viaBouncer.connect();
        try {
          await client.query("BEGIN");
          const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          await client.query("COMMIT");
          return rows[0]?.pid;
        } finally {
          client.release();
        }
      }),
    );
    expect(typeof pids[0]).toBe("number");
    expect(pids[1]).toBe(pids[0]); // default_pool_size = 1: both clients ran on one backend
  });

  it("runs the migrator, the COPY archive path from two writers, statistics and candidates", async () => {
    const result = await migrate(viaBouncer, { profile: "bigbrotr", partitions: 4 });
    expect(result.applied).toEqual([]);

    const events = await generateEvents({ count: 3000, seed: 11, sign: false });
    const items = (relayUrl: string) =>
      events.map((event) => ({ event, relayUrl, network: "clearnet" as const, seenAt: 1000 }));
    // 3,000 events per call is above the COPY threshold: temp tables ON COMMIT DROP must work.
    const [a, b] = await Promise.all([
      archiveEvents(viaBouncer, items("wss://a.example"), { profile: "bigbrotr" }),
      archiveEvents(viaBouncer, items("wss://b.example"), { profile: "bigbrotr" }),
    ]);
    expect(a.events + b.events).toBe(3000 - a.rejected.length);
    expect(a.eventRelays + b.eventRelays).toBe(2 * (3000 - a.rejected.length));
    const counts = await db.pool.query<{ e: number; er: number }>(
      "SELECT (SELECT count(*)::int FROM event) AS e, (SELECT count(*)::int FROM event_relay) AS er",
    );
    expect(counts.rows[0]).toEqual({ e: a.events + b.events, er: a.eventRelays + b.eventRelays });

    // Each chunk's temp tables are dropped at its commit: transaction pooling is fine.
    expect((await refreshStatistics(viaBouncer, { chunkRows: 1000 })).complete).toBe(true);
    const stats = await viaBouncer.query<{ n: number }>(
      "SELECT event_count::int AS n FROM event_stats",
    );
    expect(stats.rows[0]?.n).toBe(counts.rows[0]?.e);

    const added = await insertCandidates(
      viaBouncer,
      [{ url: "wss://c.example", network: "clearnet", source: "test" }],
      2000,
    );
    expect(added).toBe(1);
    expect(await readCandidates(viaBouncer, ["wss://c.example"])).toHaveLength(1);
  });

  it("serves event pages to concurrent clients (named statements, or unnamed where refused)", async () => {
    // Debian's PgBouncer 1.18 does not carry prepared statements to the server connection a
    // client is handed: the pool falls back to unnamed statements. 1.21+ keeps them.
    const filters = [{}, { kinds: [1] }];
    for (const filter of filters) {
      const direct = await findEvents(db.pool, filter, { limit: 20 });
      const pages = await Promise.all(
        Array.from({ length: 6 }, () => findEvents(viaBouncer, filter, { limit: 20 })),
      );
      for (const page of pages) expect(page.events).toEqual(direct.events);
    }
  });
});
