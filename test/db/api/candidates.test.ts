import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRelays } from "../../../src/core/db/relays.js";
import {
  insertCandidates,
  recordCandidateFailures,
} from "../../../src/core/db/service-state/candidates.js";
import { startTestApi, type TestApi } from "../../support/api.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { fillApiDatabase, NOW } from "./dataset.js";

let db: TestDatabase;
let api: TestApi;
const ONION = `ws://${"b".repeat(56)}.onion`;
const I2P = `ws://${"c".repeat(52)}.b32.i2p`;
const NEW = "wss://new.example";
const REFUSING = "wss://refusing.example";
const SLOW = "wss://slow.example";
/** A candidate validated meanwhile: already a relay, not listed. */
const PROMOTED = "wss://promoted.example";
const urls = (body: { candidates: { url: string }[] }) => body.candidates.map((c) => c.url);

beforeAll(async () => {
  db = await createTestDatabase();
  await fillApiDatabase(db.pool);
  await insertCandidates(
    db.pool,
    [
      { url: NEW, network: "clearnet", source: "seed" },
      { url: REFUSING, network: "clearnet", source: "api" },
      { url: SLOW, network: "clearnet", source: "kind 10002" },
      { url: ONION, network: "tor", source: "seed" },
      { url: I2P, network: "i2p", source: "seed" },
      { url: PROMOTED, network: "clearnet", source: "seed" },
    ],
    NOW - 7200,
  );
  await recordCandidateFailures(
    db.pool,
    [
      { url: REFUSING, failures: 3, nextAttempt: NOW + 3600, reason: "connection refused" },
      { url: ONION, failures: 1, nextAttempt: NOW + 60, reason: "tor: proxy unreachable" },
    ],
    NOW - 600,
  );
  await insertRelays(db.pool, [{ url: PROMOTED, network: "clearnet", discoveredAt: NOW }]);
  api = await startTestApi(db.pool, {}, { now: NOW });
}, 120_000);
afterAll(async () => {
  await api.close();
  await db.drop();
});

describe("GET /v1/candidates", () => {
  it("lists the URLs waiting for validation, with their failures and next attempt", async () => {
    const r = await api.get("/v1/candidates");
    expect(r.status).toBe(200);
    expect(urls(r.body)).toEqual([ONION, I2P, NEW, REFUSING, SLOW]);
    expect(r.body.total).toBe(5);
    expect(r.body.next).toBeNull();
    const refusing = r.body.candidates.find((c: { url: string }) => c.url === REFUSING);
    expect(refusing).toEqual({
      url: REFUSING,
      network: "clearnet",
      failures: 3,
      reason: "connection refused",
      first_seen: NOW - 7200,
      last_attempt: NOW - 600,
      next_attempt: NOW + 3600,
      source: "api",
    });
    const fresh = r.body.candidates.find((c: { url: string }) => c.url === NEW);
    expect(fresh).toMatchObject({ failures: 0, reason: null, last_attempt: null });
  });

  it.each([
    ["network=tor", [ONION]],
    ["network=tor&network=i2p", [ONION, I2P]],
    ["network=clearnet,tor", [ONION, NEW, REFUSING, SLOW]],
    ["network=loki", []],
  ])("filters by %s", async (query, expected) => {
    const r = await api.get(`/v1/candidates?${query}`);
    expect(r.status).toBe(200);
    expect(urls(r.body)).toEqual(expected);
    expect(r.body.total).toBe(expected.length);
  });

  it("pages by URL with cursors that never skip or repeat", async () => {
    const seen: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const query: string = next ? `&cursor=${encodeURIComponent(next)}` : "";
      const r = await api.get(`/v1/candidates?network=clearnet&limit=2${query}`);
      expect(r.body.total).toBe(3);
      seen.push(...urls(r.body));
      next = r.body.next;
      pages += 1;
    } while (next !== null);
    expect(pages).toBe(2);
    expect(seen).toEqual([NEW, REFUSING, SLOW]);
  });

  it("refuses a bad network or another listing's cursor, naming it", async () => {
    const bad = await api.get("/v1/candidates?network=moon");
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('"moon" is not one of clearnet');
    const relays = await api.get("/v1/relays?limit=1");
    const other = await api.get(`/v1/candidates?cursor=${encodeURIComponent(relays.body.next)}`);
    expect(other.status).toBe(400);
    expect(other.body.error.issues[0].path).toBe("query.cursor");
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await api.get("/openapi.json")).body;
    const route = doc.paths["/v1/candidates"].get;
    expect(route.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(["network", "limit", "cursor"]),
    );
    expect(doc.components.schemas.Candidate.properties).toHaveProperty("reason");
  });
});
