import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderCoverage } from "../../../src/cli/coverage-text.js";
import { archiveCoverage, leastCovered } from "../../../src/core/db/read/relay-coverage.js";
import {
  type CoverageMeasurement,
  deleteOldCoverage,
  recordCoverage,
} from "../../../src/core/db/relay-coverage.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { coverageMeasurement } from "../../support/coverage-measurement.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

const NOW = 1_790_000_000;
const FULL = "wss://full.example.com";
const HALF = "wss://half.example.com";
const LIAR = "wss://liar.example.com";
const DARK = "wss://dark.example.com";
const NEVER = "wss://never.example.com";

let db: TestDatabase;
let api: TestApi;
const enc = encodeURIComponent;

const measurement = (relayUrl: string, m: Partial<CoverageMeasurement>): CoverageMeasurement =>
  coverageMeasurement({
    relayUrl,
    measuredAt: NOW - 60,
    since: 1_700_000_000,
    until: NOW - 300,
    ...m,
  });

beforeAll(async () => {
  db = await createTestDatabase();
  const urls = [FULL, HALF, LIAR, DARK, NEVER];
  await insertRelays(
    db.pool,
    urls.map((url) => ({ url, network: "clearnet" as const, discoveredAt: 1 })),
  );
  await recordCoverage(db.pool, measurement(FULL, { held: 51_007, relayCount: 51_007 }));
  // HALF: an older measurement, then the newest (which is its coverage)
  await recordCoverage(
    db.pool,
    measurement(HALF, { measuredAt: NOW - 7200, held: 10, relayCount: 100 }),
  );
  await recordCoverage(
    db.pool,
    measurement(HALF, {
      held: 48_210,
      relayCount: 96_420,
      hllAuthors: 1_950,
      hllError: 0.065,
      authorsHeld: 1_800,
    }),
  );
  await recordCoverage(
    db.pool,
    measurement(LIAR, { held: 500, relayCount: 250, flag: "undercount" }),
  );
  await recordCoverage(
    db.pool,
    measurement(DARK, { method: "unknown", held: 40, reason: "no NIP-45 count: relay timeout" }),
  );
  api = await startTestApi(db.pool, {}, { now: NOW });
}, 120_000);
afterAll(async () => {
  await api.close();
  await db.drop();
});

describe("coverage in the API", () => {
  it("GET /v1/relays/{url}: the newest measurement, and the history with hll", async () => {
    const r = await api.get(`/v1/relays/${enc(HALF)}`);
    expect(r.status).toBe(200);
    expect(r.body.coverage).toMatchObject({
      method: "count",
      coverage: 0.5,
      held: 48_210,
      relay_count: 96_420,
      since: 1_700_000_000,
      measured_at: NOW - 60,
      flag: null,
    });
    expect(r.body.coverage_history).toHaveLength(2);
    expect(r.body.coverage_history[0].hll).toEqual({
      authors: 1_950,
      error: expect.closeTo(0.065, 5),
      authors_held: 1_800,
    });
    expect(r.body.coverage_history[1]).toMatchObject({ held: 10, relay_count: 100, hll: null });
  });

  it("a lying relay has a flag and no ratio; an unknown one a reason and no number", async () => {
    const liar = await api.get(`/v1/relays/${enc(LIAR)}`);
    expect(liar.body.coverage).toMatchObject({
      flag: "undercount",
      coverage: null,
      relay_count: 250,
    });
    const dark = await api.get(`/v1/relays/${enc(DARK)}`);
    expect(dark.body.coverage).toMatchObject({
      method: "unknown",
      relay_count: null,
      coverage: null,
    });
    expect(dark.body.coverage.reason).toMatch(/relay timeout/);
    const never = await api.get(`/v1/relays/${enc(NEVER)}`);
    expect(never.body.coverage).toBeNull();
  });

  it("GET /v1/relays sorts by coverage (least first, unknown last) and filters by it", async () => {
    const sorted = await api.get("/v1/relays?sort=coverage");
    expect(sorted.body.relays.map((r: { url: string }) => r.url)).toEqual([
      HALF,
      FULL,
      DARK,
      LIAR,
      NEVER,
    ]);
    const low = await api.get("/v1/relays?max_coverage=0.9");
    expect(low.body.relays.map((r: { url: string }) => r.url)).toEqual([HALF]);
    const unknown = await api.get("/v1/relays?coverage_method=unknown,none");
    expect(unknown.body.relays.map((r: { url: string }) => r.url)).toEqual([DARK, NEVER]);
    const bad = await api.get("/v1/relays?max_coverage=2");
    expect(bad.status).toBe(400);
  });

  it("/openapi.json describes coverage", async () => {
    const r = await api.get("/openapi.json");
    expect(r.body.components.schemas.Coverage).toBeDefined();
    expect(r.body.components.schemas.CoverageMeasurement).toBeDefined();
    const params = r.body.paths["/v1/relays"].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(
      expect.arrayContaining(["coverage_method", "min_coverage", "max_coverage"]),
    );
  });
});

describe("coverage in bigbrotr status and retention", () => {
  it("the archive's coverage over the newest measurements, the least covered first", async () => {
    const a = await archiveCoverage(db.pool);
    expect(a).toMatchObject({ relays: 4, measured: 2, flagged: 1, unknown: 1 });
    expect(a).toMatchObject({ held: 51_007 + 48_210, relayCount: 51_007 + 96_420 });
    const least = await leastCovered(db.pool, 5);
    expect(least.map((c) => c.url)).toEqual([LIAR, HALF, FULL]); // flagged first
    const text = renderCoverage(a, least);
    expect(text).toMatch(
      /2 relays measured, 1 flagged, 1 unknown; we hold 99,217 of the 147,427 events they count \(67\.3 %\)/,
    );
    expect(text).toMatch(
      /wss:\/\/half\.example\.com +count +48,210 of 96,420 \(50\.0 %\) +2023-11-14/,
    );
    expect(text).toMatch(/500 of 250: the relay counts fewer than we hold from it/);
  });

  it("retention deletes old measurements but keeps each relay's newest", async () => {
    expect(await deleteOldCoverage(db.pool, NOW)).toBe(1);
    expect((await api.get(`/v1/relays/${enc(HALF)}`)).body.coverage_history).toHaveLength(1);
    expect((await archiveCoverage(db.pool)).relays).toBe(4);
  });
});
