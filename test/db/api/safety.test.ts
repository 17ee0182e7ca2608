import { randomBytes } from "node:crypto";
import { request } from "node:http";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toApiError } from "../../../src/api/errors.js";
import { findEvents } from "../../../src/core/db/api/event-filter.js";
import { UnstorableText } from "../../../src/core/db/errors.js";
import { createPool } from "../../../src/core/db/pool.js";
import { readRelaySummaries } from "../../../src/core/db/read/relay-summary.js";
import { createLoginRoles } from "../../../src/core/db/roles.js";
import { any } from "../../../src/core/db/sql.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { metricValue } from "../../support/service-context.js";
import { A, fillApiDatabase, NOW } from "./dataset.js";

let db: TestDatabase;
const apis: TestApi[] = [];
const pools: pg.Pool[] = [];
const reader = `t${randomBytes(4).toString("hex")}_reader`;
const password = randomBytes(12).toString("hex");

async function api(
  overrides: Record<string, unknown> = {},
  keys: string[] = [],
  pool: pg.Pool = db.pool,
) {
  const started = await startTestApi(pool, overrides, { now: NOW, apiKeys: keys });
  apis.push(started);
  return started;
}

/** GET from a chosen loopback source address (another client). */
function getFrom(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await fillApiDatabase(db.pool);
  await createLoginRoles(db.pool, { reader: password }, { users: { reader } });
}, 120_000);
afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
  await Promise.all(pools.map((p) => p.end()));
  await db.drop();
  const admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${reader}`);
  await admin.end();
});

describe("rate limit", () => {
  it("answers a burst past the bucket with 429 and Retry-After, per client address", async () => {
    const a = await api({ rate_limit: { enabled: true, anonymous: { rate: 0.5, burst: 5 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await a.get("/v1/online")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = await a.get("/v1/stats");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(limited.body.error).toEqual({
      status: 429,
      code: "rate_limited",
      message: "too many requests; retry later",
    });
    // Another address has a bucket of its own; /health is not limited.
    expect(await getFrom(`${a.url}v1/online`, "127.0.0.2")).toBe(200);
    expect((await a.get("/health")).status).toBe(200);
    expect(
      await metricValue(a.registry, "brotr_api_rate_limited_total", { client: "anonymous" }),
    ).toBe(4);
    expect(await metricValue(a.registry, "brotr_api_errors_total", { code: "rate_limited" })).toBe(
      4,
    );
  });

  it("gives a known API key its own, larger bucket; refuses an unknown key", async () => {
    const a = await api(
      {
        rate_limit: {
          enabled: true,
          anonymous: { rate: 0.1, burst: 1 },
          keyed: { rate: 1, burst: 20 },
        },
      },
      ["k-alpha"],
    );
    expect((await a.get("/v1/online")).status).toBe(200);
    expect((await a.get("/v1/online")).status).toBe(429);
    for (let i = 0; i < 10; i++) {
      const auth = i % 2 ? { "X-API-Key": "k-alpha" } : { Authorization: "Bearer k-alpha" };
      expect((await a.get("/v1/online", { headers: auth })).status).toBe(200);
    }
    const wrong = await a.get("/v1/online", { headers: { "X-API-Key": "k-beta" } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("unauthorized");
  });
});

describe("HTTP caching and CORS", () => {
  it("sends ETag and Cache-Control, and 304 for a matching If-None-Match", async () => {
    const a = await api();
    const first = await a.get("/v1/online");
    const tag = first.headers.get("etag");
    expect(tag).toMatch(/^W?\/?"[^"]+"$/);
    expect(first.headers.get("cache-control")).toBe("public, max-age=30");
    const again = await fetch(`${a.url}v1/online`, { headers: { "If-None-Match": tag as string } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("allows cross-origin GETs (preflight included)", async () => {
    const a = await api();
    const r = await a.get("/v1/relays", { headers: { Origin: "https://client.example" } });
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    const pre = await fetch(`${a.url}v1/relays`, {
      method: "OPTIONS",
      headers: { Origin: "https://client.example", "Access-Control-Request-Method": "GET" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toContain("GET");
    const restricted = await api({ cors: { origins: ["https://ok.example"] } });
    const denied = await restricted.get("/v1/online", {
      headers: { Origin: "https://other.example" },
    });
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
    const allowed = await restricted.get("/v1/online", {
      headers: { Origin: "https://ok.example" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://ok.example");
  });
});

describe("read-only", () => {
  it("serves every endpoint as the reader role, which cannot write, sending only SELECTs", async () => {
    const url = new URL(db.url);
    url.username = reader;
    url.password = password;
    const pool = createPool({ url: url.toString(), max: 3, statementTimeoutMs: 5000 });
    pools.push(pool);
    const sent: string[] = [];
    const query = pool.query.bind(pool);
    pool.query = ((text: unknown, ...rest: unknown[]) => {
      sent.push(typeof text === "string" ? text : String((text as { text?: string }).text));
      return (query as (...a: unknown[]) => unknown)(text, ...rest);
    }) as typeof pool.query;
    const a = await api({}, [], pool);
    const enc = encodeURIComponent;
    const event = (await a.get("/v1/events?limit=1")).body.events[0].id;
    for (const path of [
      "/health",
      "/v1/relays?sort=uptime&nips=1",
      `/v1/relays/${enc(A)}`,
      `/v1/relays/${enc(A)}/history`,
      "/v1/online",
      `/v1/events?kinds=1&${enc("#t")}=nostr`,
      `/v1/events/${event}`,
      "/v1/stats",
    ]) {
      const r = await a.get(path);
      expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    expect(sent.length).toBeGreaterThan(8);
    for (const text of sent) expect(text.trim()).toMatch(/^SELECT\b/);
    await expect(
      pool.query(
        "INSERT INTO relay (url, network, discovered_at) VALUES ('wss://w.example', 'clearnet', 1)",
      ),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(pool.query("DELETE FROM event")).rejects.toMatchObject({ code: "42501" });
  });

  it("cuts a query off at the statement timeout and answers 504 with the error body", async () => {
    const pool = createPool({ url: db.url, max: 2, statementTimeoutMs: 300 });
    pools.push(pool);
    const a = await api({}, [], pool);
    const blocker = await db.pool.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE relay IN ACCESS EXCLUSIVE MODE");
      const r = await a.get("/v1/relays");
      expect(r.status).toBe(504);
      expect(r.body.error.code).toBe("timeout");
      expect(JSON.stringify(r.body)).not.toContain("relay_metadata");
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }
    expect((await a.get("/v1/relays")).status).toBe(200);
  });
});

const NUL_URL = "wss%3A%2F%2Fa%00b";

describe("text PostgreSQL cannot hold, in a request", () => {
  let a: TestApi;
  beforeAll(async () => {
    a = await api();
  });

  it.each([
    ["/v1/events?%23t=%00nul", "query.#t"],
    ["/v1/events?%23t=ok,a%00", "query.#t"],
    ["/v1/events?%23t=ok&%23t=a%00", "query.#t"],
    [`/v1/relays/${NUL_URL}`, "path"],
    [`/v1/relays/${NUL_URL}/history`, "path"],
    ["/v1/relays?q=a%00", "query.q"],
    ["/v1/relays?software=%00", "query.software"],
    ["/v1/events?cursor=%00", "query.cursor"],
    ["/v1/online?a%00=1", "query"],
  ])("GET %s is a 400 naming %s", async (path, where) => {
    const before = a.logs.length;
    const r = await a.get(path);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      status: 400,
      code: "bad_request",
      message: `invalid ${where}: contains a NUL character (U+0000), which cannot be stored or searched`,
      issues: [{ path: where, message: expect.stringContaining("NUL") }],
    });
    expect(a.logs.slice(before).filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it("still answers the same routes without the NUL", async () => {
    expect((await a.get("/v1/events?%23t=nul")).status).toBe(200);
    expect((await a.get("/v1/relays/wss%3A%2F%2Fab")).status).toBe(404);
    expect((await a.get("/v1/relays?q=a")).status).toBe(200);
  });
});

describe("the database's own refusal (the second line of defence)", () => {
  it("maps 22021 and 22P05 to UnstorableText, which the API answers with 400", async () => {
    const errors = await Promise.all([
      findEvents(db.pool, { tags: [{ name: "t", values: ["\u0000nul"] }] }, { limit: 1 }).catch(
        (e: unknown) => e,
      ),
      readRelaySummaries(db.pool, NOW, "wss://a\u0000b").catch((e: unknown) => e),
      any(db.pool, "SELECT $1::jsonb AS j", ['{"a": "\\u0000"}']).catch((e: unknown) => e),
    ]);
    expect(errors.map((e) => [e instanceof UnstorableText, (e as UnstorableText).code])).toEqual([
      [true, "22021"],
      [true, "22021"],
      [true, "22P05"],
    ]);
    const answer = toApiError(errors[0]);
    expect([answer.status, answer.code, answer.message]).toEqual([
      400,
      "bad_request",
      "the request holds text the database cannot store (a NUL character or invalid Unicode)",
    ]);
  });
});
