import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLoginRoles, GROUP_ROLES, type RoleKind } from "../../../src/core/db/roles.js";
import { readLastCycles, recordLastCycle } from "../../../src/core/db/service-state/last-cycle.js";
import { REFRESHER } from "../../../src/core/db/service-state/services.js";
import { deleteOrphanCandidates } from "../../../src/core/db/statistics/orphans.js";
import { refreshStatistics } from "../../../src/core/db/statistics/refresh.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

// Roles are cluster-wide and the test server is shared: every login name is unique to this run.
const prefix = `t${randomBytes(4).toString("hex")}`;
const users = {
  writer: `${prefix}_writer`,
  reader: `${prefix}_reader`,
  refresher: `${prefix}_refresher`,
  api: `${prefix}_api`,
};
const passwords = {
  writer: "w-Ünï\u00A0\uFB01 pass",
  reader: randomBytes(12).toString("hex"),
  refresher: "r!'\"; --",
  api: randomBytes(12).toString("hex"),
};

let db: TestDatabase;
const clients: pg.Client[] = [];

async function connect(user: string, password: string): Promise<pg.Client> {
  const url = new URL(db.url);
  const database = url.pathname.slice(1);
  const client = new pg.Client({
    host: url.hostname,
    port: Number(url.port),
    database,
    user,
    password,
  });
  await client.connect();
  clients.push(client);
  return client;
}
const as = (kind: RoleKind) => connect(users[kind], passwords[kind]);
function loginUrl(kind: RoleKind): string {
  const url = new URL(db.url);
  url.username = users[kind];
  url.password = passwords[kind];
  return url.toString();
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(
    "INSERT INTO relay (url, network, discovered_at) VALUES ('wss://r.example', 'clearnet', 1)",
  );
  await refreshStatistics(db.pool);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end()));
  await db.drop();
  const admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  for (const name of [...Object.values(users), `${prefix}_other`]) {
    await admin.query(`DROP ROLE IF EXISTS ${name}`);
  }
  await admin.end();
});

const denied = { code: "42501" };

/** Each statement must fail with insufficient_privilege. */
async function expectDenied(client: pg.Client, statements: string[]): Promise<void> {
  for (const sql of statements) await expect(client.query(sql), sql).rejects.toMatchObject(denied);
}

describe("createLoginRoles", () => {
  it("creates LOGIN members of the group roles, and later only changes their passwords", async () => {
    const created = await createLoginRoles(db.pool, passwords, { users });
    expect(created).toEqual([
      { kind: "writer", user: users.writer, created: true },
      { kind: "reader", user: users.reader, created: true },
      { kind: "refresher", user: users.refresher, created: true },
      { kind: "api", user: users.api, created: true },
    ]);
    const { rows } = await db.pool.query(
      `SELECT u.rolname AS user, g.rolname AS group, u.rolcanlogin AS login, u.rolsuper AS super
         FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE u.rolname LIKE $1 ORDER BY 1`,
      [`${prefix}_%`],
    );
    expect(rows).toEqual([
      { user: users.api, group: GROUP_ROLES.api, login: true, super: false },
      { user: users.reader, group: GROUP_ROLES.reader, login: true, super: false },
      { user: users.refresher, group: GROUP_ROLES.refresher, login: true, super: false },
      { user: users.writer, group: GROUP_ROLES.writer, login: true, super: false },
    ]);
    for (const kind of ["writer", "reader", "refresher", "api"] as const) await as(kind);

    const again = await createLoginRoles(db.pool, { reader: "new-pass" }, { users });
    expect(again).toEqual([{ kind: "reader", user: users.reader, created: false }]);
    await expect(connect(users.reader, passwords.reader)).rejects.toMatchObject({ code: "28P01" });
    passwords.reader = "new-pass";
    await as("reader");
  });

  it("never takes over a role it did not create, and rejects bad names", async () => {
    const other = `${prefix}_other`;
    await db.pool.query(`CREATE ROLE ${other} LOGIN`);
    await expect(
      createLoginRoles(db.pool, { reader: "x" }, { users: { reader: other } }),
    ).rejects.toThrow(/not a member of bigbrotr_reader/);
    for (const bad of [
      'x"; DROP ROLE postgres; --',
      "Upper",
      "pg_reader",
      GROUP_ROLES.writer,
      "",
    ]) {
      await expect(
        createLoginRoles(db.pool, { reader: "x" }, { users: { reader: bad } }),
      ).rejects.toThrow(/invalid login name/);
    }
    await expect(createLoginRoles(db.pool, { writer: "" }, { users })).rejects.toThrow(
      /empty password/,
    );
  });
});

describe("group role privileges", () => {
  it("reader: reads tables, views and statistics, writes nothing", async () => {
    const reader = await as("reader");
    expect((await reader.query("SELECT url FROM relay")).rows).toHaveLength(1);
    await reader.query("SELECT * FROM event");
    expect((await reader.query("SELECT * FROM network_stats")).rows).toHaveLength(1);
    expect((await reader.query("SELECT * FROM event_stats")).rows).toHaveLength(1);
    await reader.query("SELECT * FROM stats_relay_pubkey_kind");
    expect((await reader.query("SELECT event_kind_class(1) AS c")).rows).toEqual([
      { c: "regular" },
    ]);
    await expectDenied(reader, [
      "INSERT INTO relay (url, network, discovered_at) VALUES ('wss://x.example', 'clearnet', 1)",
      "UPDATE relay SET discovered_at = 2",
      "DELETE FROM relay",
      "INSERT INTO service_state (service_name, state_type, state_key) VALUES ('a', 'cursor', 'b')",
      "UPDATE stats_kind SET event_count = 0",
      "UPDATE stats_progress SET watermark = '1'",
      "SELECT statistics_rebuild()",
      "CREATE TABLE reader_table (x int)",
      "INSERT INTO alert_subscription (owner, sink, pubkey, kinds, created_at) VALUES ('key:r', 'dm', repeat('a', 64), '{down}', 1)",
      "DELETE FROM alert_subscription",
    ]);
  });

  it("api: reads what the reader reads, writes alert subscriptions and nothing else", async () => {
    const api = await as("api");
    expect((await api.query("SELECT url FROM relay")).rows).toHaveLength(1);
    await api.query("SELECT * FROM event_stats");
    const made = await api.query(
      "INSERT INTO alert_subscription (owner, sink, pubkey, kinds, created_at) VALUES ('key:a', 'dm', repeat('b', 64), '{down}', 1) RETURNING id",
    );
    expect(made.rows).toHaveLength(1);
    await api.query("UPDATE alert_subscription SET created_at = 2 WHERE owner = 'key:a'");
    await api.query("DELETE FROM alert_subscription WHERE owner = 'key:a'");
    await expectDenied(api, [
      "UPDATE relay SET discovered_at = 2",
      "DELETE FROM alert_delivery",
      "DELETE FROM alert_dm_command",
      "INSERT INTO service_state (service_name, state_type, state_key) VALUES ('a', 'cursor', 'b')",
      "SELECT statistics_rebuild()",
      "CREATE TABLE api_table (x int)",
    ]);
  });

  it("writer: writes the tables, but no DDL, no refresh, no bookkeeping", async () => {
    const writer = await as("writer");
    await writer.query(
      "INSERT INTO relay (url, network, discovered_at) VALUES ('wss://w.example', 'clearnet', 5)",
    );
    await writer.query("UPDATE relay SET discovered_at = 6 WHERE url = 'wss://w.example'");
    const key = [Buffer.alloc(32, 7), Buffer.alloc(32, 8), Buffer.alloc(64)];
    await writer.query(
      `INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig)
       VALUES ($1, $2, 1, 1, '{}', '[]', '', $3)`,
      key,
    );
    await writer.query(
      `INSERT INTO event_relay (event_id, relay_id, seen_at)
       VALUES ($1, (SELECT id FROM relay WHERE url = 'wss://w.example'), 1)`,
      [key[0]],
    );
    expect((await writer.query("DELETE FROM relay WHERE url = 'wss://w.example'")).rowCount).toBe(
      1,
    );
    await writer.query("SELECT * FROM kind_counts");
    // A check written by the monitor's role adds itself to the uptime rollup (its trigger).
    await writer.query(
      "INSERT INTO relay (url, network, discovered_at) VALUES ('wss://u.example', 'clearnet', 5)",
    );
    await writer.query(
      `INSERT INTO metadata (id, type, data) VALUES ($1, 'nip66_rtt', '{"data": {"rtt_open": 5}}')`,
      [Buffer.alloc(32, 3)],
    );
    await writer.query(
      `INSERT INTO relay_metadata (relay_id, metadata_id, metadata_type, generated_at)
       SELECT id, $1, 'nip66_rtt', 86400 FROM relay WHERE url = 'wss://u.example'`,
      [Buffer.alloc(32, 3)],
    );
    expect((await writer.query("SELECT checks, up FROM relay_uptime")).rows).toEqual([
      { checks: 1, up: 1 },
    ]);
    // The relay delete logged its sightings for the refresher; the statistics stay its own.
    expect((await writer.query("SELECT count(*)::int AS n FROM stats_gone_sighting")).rows).toEqual(
      [{ n: 1 }],
    );
    await expectDenied(writer, [
      "CREATE TABLE writer_table (x int)",
      "UPDATE stats_kind SET event_count = 0",
      "UPDATE kind_counts SET event_count = 0",
      "DELETE FROM stats_gone_sighting",
      "UPDATE stats_progress SET watermark = '1'",
      "TRUNCATE relay",
      "DELETE FROM schema_migrations",
      "UPDATE brotr_settings SET value = 'lilbrotr'",
      "DROP TABLE relay",
    ]);
  });

  it("refresher: keeps the statistics and deletes old history and orphans, writes no archive row", async () => {
    const refresher = await as("refresher");
    // The refresher's pool: the cycle's chunks each open their own transaction.
    const pool = new pg.Pool({ connectionString: loginUrl("refresher"), max: 2 });
    try {
      expect((await refreshStatistics(pool)).complete).toBe(true);
      const orphan = Buffer.alloc(32, 9);
      await db.pool.query(
        `INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig)
         VALUES ($1, $1, 1, 1, '{}', '[]', '', $2)`,
        [orphan, Buffer.alloc(64)],
      );
      expect((await refreshStatistics(pool)).complete).toBe(true);
      // This one, and the writer's event whose relay it deleted.
      expect(await deleteOrphanCandidates(pool)).toBe(2);
      expect((await refreshStatistics(pool)).deletedEvents).toBe(2);
      await refresher.query("DELETE FROM relay_metadata WHERE generated_at < 0");
      // Retention's delete takes its checks out of the uptime rollup (the trigger, as this role).
      await refresher.query("DELETE FROM relay_metadata WHERE metadata_type = 'nip66_rtt'");
      expect((await refresher.query("SELECT count(*)::int AS n FROM relay_uptime")).rows).toEqual([
        { n: 0 },
      ]);
      await refresher.query("SELECT statistics_rebuild()");
      // Its last cycle, as every service records it (bigbrotr status, health).
      await recordLastCycle(pool, REFRESHER, { ok: true, durationMs: 7 }, 0, 100);
      expect(await readLastCycles(db.pool)).toContainEqual(
        expect.objectContaining({ service: REFRESHER, ok: true }),
      );
    } finally {
      await pool.end();
    }
    await expectDenied(refresher, [
      "INSERT INTO event (id, pubkey, created_at, kind, tagvalues, tags, content, sig) VALUES ('\\x00', '\\x00', 1, 1, '{}', '[]', '', '\\x00')",
      "INSERT INTO event_relay (event_id, relay_id, seen_at) VALUES ('\\x00', 1, 1)",
      "INSERT INTO relay_metadata (relay_id, metadata_id, metadata_type, generated_at) VALUES (1, '\\x00', 'nip11_info', 1)",
      "UPDATE event SET kind = 2",
      "DELETE FROM relay",
      "DELETE FROM metadata",
      "CREATE TABLE refresher_table (x int)",
    ]);
  });

  it("default privileges cover tables that later migrations create", async () => {
    await db.pool.query("CREATE TABLE later_table (x int)");
    const writer = await as("writer");
    const reader = await as("reader");
    await writer.query("INSERT INTO later_table VALUES (1)");
    expect((await reader.query("SELECT x FROM later_table")).rows).toEqual([{ x: 1 }]);
    await expect(reader.query("INSERT INTO later_table VALUES (2)")).rejects.toMatchObject(denied);
  });

  it("groups cannot log in and no function runs with its owner's rights", async () => {
    const { rows } = await db.pool.query(
      "SELECT rolname FROM pg_roles WHERE rolname = ANY($1) AND NOT rolcanlogin ORDER BY 1",
      [Object.values(GROUP_ROLES)],
    );
    expect(rows.map((r) => r.rolname)).toEqual(Object.values(GROUP_ROLES).sort());
    const definer = await db.pool.query(
      "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prosecdef",
    );
    expect(definer.rows).toEqual([]);
  });
});
