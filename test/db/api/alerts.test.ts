/**
 * POST, GET /v1/alerts and DELETE /v1/alerts/{id} on real PostgreSQL: an API key is required,
 * each key sees and deletes only its own, a webhook's secret is shown once, private webhook
 * targets are refused unless allowed, a key holds at most `max_per_key`, and the routes are in
 * /openapi.json.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../support/api.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

let db: TestDatabase;
let api: TestApi;

const call = (method: string, path: string, key?: string, body?: unknown) =>
  api.get(path, {
    method,
    headers: {
      ...(key ? { "x-api-key": key } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
const hook = (url: string) => ({ type: "webhook", url });

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db.pool, { alerts: { max_per_key: 2 } }, { apiKeys: ["k1", "k2"] });
});
afterAll(async () => {
  await api.close();
  await db.drop();
});

describe("/v1/alerts", () => {
  it("needs an API key", async () => {
    expect((await call("GET", "/v1/alerts")).status).toBe(401);
    const r = await call("POST", "/v1/alerts", undefined, hook("https://hooks.nostr-alerts.org"));
    expect(r.status).toBe(401);
    expect(r.body.error.message).toBe("an API key is required");
    expect((await call("GET", "/v1/alerts", "nope")).status).toBe(401);
  });

  it("makes a webhook owned by its key, its secret shown once", async () => {
    const r = await call("POST", "/v1/alerts", "k1", {
      ...hook("https://hooks.nostr-alerts.org/a"),
      relays: ["wss://Relay.Nostr-Alerts.org/"],
      kinds: ["down"],
    });
    expect(r.status).toBe(201);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.body).toEqual({
      alert: {
        id: expect.any(Number),
        type: "webhook",
        url: "https://hooks.nostr-alerts.org/a",
        pubkey: null,
        dm_relays: [],
        relays: ["wss://relay.nostr-alerts.org"],
        kinds: ["down"],
        created_at: expect.any(Number),
      },
      secret: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const mine = await call("GET", "/v1/alerts", "k1");
    expect(mine.body.alerts).toEqual([r.body.alert]);
    expect((await call("GET", "/v1/alerts", "k2")).body.alerts).toEqual([]);
    const id = r.body.alert.id;
    expect((await call("DELETE", `/v1/alerts/${id}`, "k2")).status).toBe(404);
    expect((await call("DELETE", `/v1/alerts/${id}`, "k1")).status).toBe(204);
    expect((await call("DELETE", `/v1/alerts/${id}`, "k1")).status).toBe(404);
  });

  it("refuses private targets, bad input and more than max_per_key", async () => {
    const local = await call("POST", "/v1/alerts", "k2", hook("http://127.0.0.1:9/x"));
    expect(local.status).toBe(400);
    expect(local.body.error.issues).toEqual([
      { path: "body.url", message: "127.0.0.1 is a private address" },
    ]);
    const bad = await call("POST", "/v1/alerts", "k2", { type: "webhook", url: "x", kinds: [] });
    expect(bad.status).toBe(400);
    const relay = await call("POST", "/v1/alerts", "k2", {
      ...hook("https://h.nostr-alerts.org"),
      relays: ["https://not-a-relay"],
    });
    expect(relay.body.error.issues[0].path).toBe("body.relays[0]");
    for (const n of [1, 2]) {
      const ok = await call("POST", "/v1/alerts", "k2", hook(`https://h.nostr-alerts.org/${n}`));
      expect(ok.status).toBe(201);
    }
    const full = await call("POST", "/v1/alerts", "k2", hook("https://h.nostr-alerts.org/3"));
    expect(full.status).toBe(400);
    expect(full.body.error.message).toContain("the most allowed");
  });

  it("is in /openapi.json", async () => {
    const doc = (await api.get("/openapi.json")).body;
    expect(Object.keys(doc.paths["/v1/alerts"]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/v1/alerts/{id}"])).toEqual(["delete"]);
    expect(doc.components.securitySchemes.apiKey).toEqual({
      type: "apiKey",
      in: "header",
      name: "X-API-Key",
    });
  });
});
