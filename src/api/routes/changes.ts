/** GET /v1/changes: the newest stored relay changes, of one relay or all (docs/changes.md). */
import { z } from "@hono/zod-openapi";
import { recentChanges } from "../../core/db/api/relay-changes.js";
import { NETWORKS } from "../../models/network.js";
import { CHANGE_KINDS, changeJson } from "../../models/relay-change.js";
import type { ApiApp, ApiDeps } from "../context.js";
import { jsonWithEtag } from "../json-response.js";
import { cacheFor } from "../middleware.js";
import { canonicalUrl } from "../relays/lookup.js";
import { intParam, jsonRoute } from "../schemas.js";

const changeSchema = z
  .object({
    id: z.int(),
    relay: z.string(),
    network: z.enum(NETWORKS),
    kind: z.enum(CHANGE_KINDS),
    checked_at: z.int().openapi({ description: "The check whose result is the evidence" }),
    recorded_at: z.int(),
    evidence: z.record(z.string(), z.unknown()),
  })
  .openapi("RelayChange");

const changesRoute = jsonRoute({
  path: "/v1/changes",
  tags: ["changes"],
  summary: "The newest relay changes (all relays, or one), newest first",
  request: {
    query: z.object({
      relay: z.string().min(1).max(2048).optional().openapi({ description: "Only this relay" }),
      before: intParam(1, 2 ** 53 - 1)
        .optional()
        .openapi({ description: "Only changes with a smaller id (the previous page's `next`)" }),
      limit: intParam(1, 500).default(50).openapi({ description: "At most (default 50)" }),
    }),
  },
  ok: [
    "Changes, newest first; `next` pages back (null on the last page)",
    z.object({ changes: z.array(changeSchema), next: z.int().nullable() }),
  ],
  errors: [400, 401, 429, 503, 504],
});

export function registerChanges(app: ApiApp, deps: ApiDeps): void {
  app.use("/v1/changes", cacheFor(5));
  app.openapi(changesRoute, async (c) => {
    const q = c.req.valid("query");
    const rows = await recentChanges(deps.db, {
      ...(q.relay === undefined ? {} : { relayUrl: canonicalUrl(q.relay) }),
      ...(q.before === undefined ? {} : { before: q.before }),
      limit: q.limit,
    });
    const next = rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null;
    return jsonWithEtag(c, { changes: rows.map(changeJson), next });
  });
}
