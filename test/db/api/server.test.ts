import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../support/api.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

let db: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db.pool);
});
afterAll(async () => {
  await api.close();
  await db.drop();
});

describe("API server", () => {
  it("answers /health with the database's clock", async () => {
    const r = await api.get("/health");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ok", database_time: expect.any(Number) });
    expect(Math.abs(r.body.database_time - Date.now() / 1000)).toBeLessThan(60);
    expect(r.headers.get("cache-control")).toBe("no-store");
  });

  it("serves an OpenAPI 3.1 document and a reference page generated from it", async () => {
    const doc = await api.get("/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toContain("/health");
    const page = await api.get("/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    for (const path of Object.keys(doc.body.paths)) expect(page.body).toContain(path);
    // Offline: the page loads nothing from another host.
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("answers an unknown route with the one error body", async () => {
    const r = await api.get("/v1/nope");
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      error: { status: 404, code: "not_found", message: "no route GET /v1/nope" },
    });
    expect(r.headers.get("cache-control")).toBe("no-store");
  });

  it("counts requests by route pattern and status in /metrics", async () => {
    await api.get("/health");
    await api.get("/v1/nope");
    const r = await api.get("/metrics");
    expect(r.status).toBe(200);
    const line = (route: string, status: string) =>
      String(r.body)
        .split("\n")
        .find(
          (l) =>
            l.startsWith("brotr_api_requests_total{") &&
            l.includes(`route="${route}"`) &&
            l.includes(`status="${status}"`),
        );
    expect(line("/health", "200")).toMatch(/ [2-9]$/);
    expect(line("unmatched", "404")).toMatch(/ [1-9]$/);
    expect(r.body).toMatch(
      /brotr_api_request_duration_seconds_count{[^}]*route="\/health"[^}]*} [2-9]/,
    );
  });
});
