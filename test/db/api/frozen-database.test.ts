import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../../src/core/db/embedded.js";
import { migrate } from "../../../src/core/db/migrate.js";
import { createPool } from "../../../src/core/db/pool.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { freePort } from "../../support/free-port.js";
import { freezeServer } from "../../support/pg-freeze.js";
import { fillApiDatabase, NOW } from "./dataset.js";

// A real embedded PostgreSQL of its own, frozen with SIGSTOP: its connections stay open and it
// answers nothing, so its own statement_timeout never fires. The API's requests on the
// connections it already holds must still end, as a 503, and the outage be logged once.
let dir = "";
let server: EmbeddedPostgres;
let pool: pg.Pool;
let api: TestApi;
let thaw: (() => void) | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bigbrotr-frozen-"));
  server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), database: "fz" });
  const setup = createPool({ url: server.url, max: 1 });
  await migrate(setup, { profile: "bigbrotr", partitions: 2 });
  await fillApiDatabase(setup);
  await setup.end();
  // As the runner makes the API's pool: api.yaml's statement timeout (here 1 s).
  pool = createPool({
    url: server.url,
    max: 3,
    statementTimeoutMs: 1000,
    connectionTimeoutMs: 1000,
  });
  api = await startTestApi(pool, {}, { now: NOW });
}, 120_000);
afterAll(async () => {
  thaw?.();
  await api?.close();
  await pool?.end();
  await server?.stop().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

const ROUTES = ["/v1/events?limit=2", "/v1/relays", "/v1/stats"];
const burst = () => Promise.all(ROUTES.map((p) => api.get(p)));
const lines = (msg: string) => api.logs.filter((l) => l.msg === msg);

describe("the API while PostgreSQL is frozen (SIGSTOP)", () => {
  it("answers 503 on the connections it holds instead of hanging, and logs the outage once each way", async () => {
    // Every connection of the pool open and idle in it.
    await Promise.all([burst(), burst()]);
    expect((await burst()).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(pool.idleCount).toBeGreaterThan(0);

    thaw = await freezeServer(dir);
    const during = [...(await burst()), ...(await burst())];
    expect(during.map((r) => r.status)).toEqual(during.map(() => 503));
    expect(lines("database_unavailable")).toHaveLength(1);
    expect(api.logs.filter((l) => Number(l.level) >= 50)).toEqual([]);

    thaw();
    let after = await burst();
    for (let i = 0; i < 50 && after.some((r) => r.status !== 200); i++) after = await burst();
    expect(after.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(lines("database_unavailable")).toHaveLength(1);
    expect(lines("database_available")).toHaveLength(1);
  });
});
