import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../../src/core/config/schemas.js";
import { createFinder, finderConfigSchema } from "../../../../src/services/finder/service.js";
import {
  chunked,
  type JsonServer,
  json,
  startJsonServer,
} from "../../../protocol/services/finder/json-server.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";
import { candidates, finderState, metricValue, testContext } from "./helpers.js";

const NOW = 2_000_000;
const COOLDOWN = 3600;
let server: JsonServer;
let db: TestDatabase;

beforeAll(async () => {
  server = await startJsonServer({
    "/good": json([
      "wss://a.example.com",
      "wss://b.example.com/path",
      "wss://user:pw@c.example.com",
      7,
    ]),
    "/error": json({ error: "boom" }, 500),
    "/big": chunked(64 * 1024),
    "/disabled": json(["wss://never.example.com"]),
  });
});
afterAll(() => server.close());
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.drop();
});

function finder(sources: Record<string, unknown>[], requestDelay = 0) {
  const brotr = parseConfig(brotrConfigSchema, { allow_private: true }, "brotr.yaml");
  const config = parseConfig(
    finderConfigSchema,
    {
      events: { enabled: false },
      api: { sources, cooldown: COOLDOWN, request_delay: requestDelay },
    },
    "finder.yaml",
  );
  return createFinder({ brotr }, config);
}

const SOURCES = () => [
  { url: `${server.url}/good` },
  { url: `${server.url}/error` },
  { url: `${server.url}/big`, max_response_size: 1024 },
  { url: `${server.url}/disabled`, enabled: false },
];

describe("finder API phase", () => {
  it("stores a good source's URLs, checkpoints only successes, never fails the cycle", async () => {
    const { ctx, registry, lines } = testContext(db.pool, () => NOW);
    const report = await finder(SOURCES()).runCycle(ctx);
    expect(report).toMatchObject({
      api_fetched: 1,
      api_failed: 2,
      api_cooling: 0,
      api_new: 2,
      api_invalid: 1,
    });
    expect(await candidates(db.pool)).toEqual({
      "wss://a.example.com": "finder:api",
      "wss://b.example.com/path": "finder:api",
    });
    expect(await finderState(db.pool, "checkpoint")).toEqual({
      [`${server.url}/good`]: { timestamp: NOW },
    });
    expect(server.hits.get("/disabled")).toBeUndefined();
    for (const [result, n] of [
      ["success", 1],
      ["http-status", 1],
      ["too-large", 1],
    ] as const) {
      expect(await metricValue(registry, "brotr_finder_api_fetches_total", { result })).toBe(n);
    }
    expect(
      await metricValue(registry, "brotr_finder_rejected_urls_total", {
        source: "api",
        reason: "credentials",
      }),
    ).toBe(1);
    const failures = lines.filter((l) => l.msg === "api_failed").map((l) => [l.kind, l.reason]);
    expect(failures).toEqual([
      ["http-status", "HTTP 500"],
      ["too-large", "body larger than 1024 bytes"],
    ]);
  });

  it("respects the cooldown of a fetched source and retries failed ones every cycle", async () => {
    let now = NOW;
    const { ctx } = testContext(db.pool, () => now);
    const service = finder(SOURCES());
    await service.runCycle(ctx);
    const goodHits = server.hits.get("/good");
    const errorHits = server.hits.get("/error") ?? 0;

    now = NOW + COOLDOWN - 1;
    expect(await service.runCycle(ctx)).toMatchObject({
      api_fetched: 0,
      api_failed: 2,
      api_cooling: 1,
    });
    expect(server.hits.get("/good")).toBe(goodHits);
    expect(server.hits.get("/error")).toBe(errorHits + 1);

    now = NOW + COOLDOWN;
    expect(await service.runCycle(ctx)).toMatchObject({
      api_fetched: 1,
      api_known: 2,
      urls_new: 0,
    });
    expect((await finderState(db.pool, "checkpoint"))[`${server.url}/good`]).toEqual({
      timestamp: NOW + COOLDOWN,
    });
  });

  it("waits request_delay between fetches and stops when aborted", async () => {
    const { ctx, abort } = testContext(db.pool, () => NOW);
    const service = finder([{ url: `${server.url}/error` }, { url: `${server.url}/good` }], 0.3);
    const started = performance.now();
    expect(await service.runCycle(ctx)).toMatchObject({ api_fetched: 1, api_failed: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);

    await db.pool.query("DELETE FROM service_state WHERE service_name = 'finder'");
    setTimeout(() => abort.abort(), 50);
    const report = await service.runCycle(ctx);
    expect(report).toMatchObject({ api_fetched: 0, api_failed: 1 });
    expect(await finderState(db.pool, "checkpoint")).toEqual({});
  });
});
