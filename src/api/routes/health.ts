/** GET /health (is the database reachable) and GET /metrics (Prometheus text). */
import { createRoute, z } from "@hono/zod-openapi";
import { databaseTime } from "../../core/db/api/ping.js";
import type { ApiApp, ApiDeps } from "../context.js";
import { jsonRoute } from "../schemas.js";

const health = jsonRoute({
  path: "/health",
  tags: ["service"],
  summary: "Liveness and database reachability",
  request: {},
  ok: [
    "The server runs and the database answers",
    z.object({ status: z.literal("ok"), database_time: z.int() }).openapi("Health"),
  ],
  errors: [503],
});

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["service"],
  summary: "Prometheus metrics (request counts and latency by route)",
  responses: {
    200: {
      description: "Prometheus text format",
      content: { "text/plain": { schema: z.string() } },
    },
  },
});

export function registerHealth(app: ApiApp, deps: ApiDeps): void {
  app.openapi(health, async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ status: "ok" as const, database_time: await databaseTime(deps.db) }, 200);
  });
  app.openapi(metrics, async (c) => {
    const { contentType, body } = await deps.metrics.exposition();
    c.header("Content-Type", contentType);
    c.header("Cache-Control", "no-store");
    return c.body(body, 200) as never;
  });
}
