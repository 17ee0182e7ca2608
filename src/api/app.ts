/**
 * The API and explorer as one Hono app (no socket: server.ts listens). Routes under /v1 are
 * rate limited per client, allow cross-origin GETs and carry ETag and Cache-Control; every
 * failure leaves through errorResponse with the one error body.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiApp, ApiDeps, ApiVariables } from "./context.js";
import { watchDbOutage } from "./db-outage.js";
import { ApiError, badRequest, errorResponse, toApiError } from "./errors.js";
import { clientLimit, crossOrigin, requestMetrics, storableInput } from "./middleware.js";
import { RelaySnapshots } from "./relays/snapshots.js";
import { registerAlerts } from "./routes/alerts.js";
import { registerCandidates } from "./routes/candidates.js";
import { registerChanges } from "./routes/changes.js";
import { registerDocs } from "./routes/docs.js";
import { registerEvents } from "./routes/events.js";
import { registerExplorer } from "./routes/explorer.js";
import { registerHealth } from "./routes/health.js";
import { registerMonitors } from "./routes/monitors.js";
import { registerRelays } from "./routes/relays.js";
import { registerStats } from "./routes/stats.js";
import { registerStream } from "./routes/stream.js";

export function createApiApp(deps: ApiDeps): ApiApp {
  const app: ApiApp = new OpenAPIHono<{ Variables: ApiVariables }>({
    defaultHook: (result) => {
      if (!result.success) throw badRequest(result.target, result.error.issues);
    },
  });
  const rejected = deps.metrics.counter("brotr_api_errors_total", "API error responses", ["code"]);
  const outage = watchDbOutage(deps.db, deps.log, deps.outage);
  app.onError((error, c) => {
    // A database outage is logged by `outage` when it starts and ends, not per request.
    const lost = outage.failed(error);
    const apiError = toApiError(lost ?? error);
    rejected.inc({ code: apiError.code });
    if (lost) deps.log.debug({ path: c.req.path, reason: lost.message }, "request_failed");
    else if (apiError.status >= 500) {
      deps.log.error({ err: error, path: c.req.path }, "request_failed");
    }
    return errorResponse(c, apiError);
  });
  app.notFound((c) => {
    rejected.inc({ code: "not_found" });
    return errorResponse(
      c,
      new ApiError(404, "not_found", `no route ${c.req.method} ${c.req.path}`),
    );
  });
  app.use("*", requestMetrics(deps));
  app.use("*", storableInput());
  app.use("/v1/*", crossOrigin(deps.config.cors.origins));
  app.use("/v1/*", clientLimit(deps));
  const snapshots = new RelaySnapshots(
    deps.db,
    deps.config.cache.relay_snapshot_seconds,
    deps.now,
    (e) => {
      const lost = outage.failed(e);
      if (lost) deps.log.debug({ reason: lost.message }, "relay_snapshot_failed");
      else deps.log.warn({ err: e }, "relay_snapshot_failed");
    },
  );
  registerHealth(app, deps);
  registerRelays(app, deps, snapshots);
  registerMonitors(app, deps);
  registerCandidates(app, deps);
  registerEvents(app, deps);
  registerStats(app, deps, snapshots);
  registerChanges(app, deps);
  registerStream(app, deps, (e) => {
    if (outage.failed(e) === undefined) deps.log.warn({ err: e }, "change_feed_failed");
  });
  registerAlerts(app, deps);
  registerDocs(app);
  if (deps.explorerDir !== undefined) registerExplorer(app, deps.explorerDir);
  return app;
}
