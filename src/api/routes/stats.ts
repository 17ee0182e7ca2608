/**
 * /v1/stats: the statistics views, plus relays by status, network and country. Both come from
 * the relay snapshot (api/relays/snapshots.ts): the views are read once per snapshot (six
 * queries, ~65 ms of database time at 10M events and 10,000 relays: read per request, 200
 * requests a second took 9 cores) and the answer is prepared once per snapshot and minute.
 */
import { z } from "@hono/zod-openapi";
import { readStatistics } from "../../core/db/read/statistics.js";
import type { ApiApp, ApiDeps } from "../context.js";
import { prepareJson, sendJson } from "../json-response.js";
import { cacheFor } from "../middleware.js";
import { relayCounts } from "../relays/counts.js";
import { GEO_ATTRIBUTION } from "../relays/json.js";
import { memoized, memoKey, type RelaySnapshots, snapshotRead } from "../relays/snapshots.js";
import { jsonRoute } from "../schemas.js";

const count = z.int();
const statsRoute = jsonRoute({
  path: "/v1/stats",
  tags: ["statistics"],
  summary: "Event counts, kinds, software, NIPs, networks, daily counts and relay countries",
  request: {},
  ok: [
    "The statistics (the view-based parts as of their last refresh)",
    z
      .object({
        events: z.record(z.string(), z.number().nullable()).nullable(),
        kinds: z.array(
          z.object({ kind: count, events: count, pubkeys: count, category: z.string() }),
        ),
        software: z.array(z.object({ software: z.string(), version: z.string(), relays: count })),
        nips: z.array(z.object({ nip: count, relays: count })),
        networks: z.array(
          z.object({ network: z.string(), relays: count, events: count, pubkeys: count }),
        ),
        daily: z.array(z.object({ day: z.string(), events: count, pubkeys: count })),
        relays: z.object({ total: count, up: count, down: count, unknown: count }),
        countries: z.array(z.object({ country: z.string(), relays: count, up: count })),
        attribution: z.string(),
      })
      .openapi("Statistics"),
  ],
  errors: [401, 429, 503, 504],
});

export function registerStats(app: ApiApp, deps: ApiDeps, snapshots: RelaySnapshots): void {
  app.use("/v1/stats", cacheFor(deps.config.cache.stats_max_age));
  app.openapi(statsRoute, async (c) => {
    const snapshot = await snapshots.get();
    const stats = await snapshotRead(snapshot, "statistics", () =>
      readStatistics(deps.db, { top: 50, days: 90 }),
    );
    const now = deps.now();
    return sendJson(
      c,
      memoized(snapshot, memoKey("stats", null, now), () =>
        prepareJson({
          ...stats,
          ...relayCounts(snapshot.relays, now, deps.config.max_check_age),
          attribution: GEO_ATTRIBUTION,
        }),
      ),
    );
  });
}
