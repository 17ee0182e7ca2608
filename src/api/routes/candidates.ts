/** /v1/candidates: relay URLs waiting for validation, with why they failed so far and when next. */
import { z } from "@hono/zod-openapi";
import { type Candidate, listCandidates } from "../../core/db/service-state/candidates.js";
import { NETWORKS } from "../../models/network.js";
import type { ApiApp, ApiDeps } from "../context.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { jsonWithEtag } from "../json-response.js";
import { cacheFor } from "../middleware.js";
import { jsonRoute, networksParam, pageParams } from "../schemas.js";

const candidateSchema = z
  .object({
    url: z.string(),
    network: z.enum(NETWORKS),
    failures: z.int().openapi({ description: "Failed validations so far" }),
    reason: z.string().nullable().openapi({ description: "Why the last validation failed" }),
    first_seen: z.int(),
    last_attempt: z.int().nullable(),
    next_attempt: z.int().openapi({ description: "Not validated again before (unix s)" }),
    source: z
      .string()
      .openapi({ description: "Where the URL was found (seed, api, an event kind…)" }),
  })
  .openapi("Candidate");

function listRoute(deps: ApiDeps) {
  return jsonRoute({
    path: "/v1/candidates",
    tags: ["relays"],
    summary:
      "Relay URLs not yet validated (found, never answering as a relay so far), in URL order, in keyset pages",
    request: {
      query: z.strictObject({
        network: networksParam(),
        ...pageParams(deps.config.limits),
      }),
    },
    ok: [
      "A page of candidates",
      z.object({
        candidates: z.array(candidateSchema),
        total: z.int().openapi({ description: "Candidates matching the filter" }),
        next: z.string().nullable(),
      }),
    ],
    errors: [400, 401, 429, 503, 504],
  });
}

function candidateJson(c: Candidate): z.infer<typeof candidateSchema> {
  return {
    url: c.url,
    network: c.network,
    failures: c.failures,
    reason: c.reason,
    first_seen: c.firstSeen,
    last_attempt: c.lastAttempt,
    next_attempt: c.nextAttempt,
    source: c.source,
  };
}

const isUrl = (p: unknown[]): p is [string] => p.length === 1 && typeof p[0] === "string";

export function registerCandidates(app: ApiApp, deps: ApiDeps): void {
  app.use("/v1/candidates", cacheFor(deps.config.cache.max_age));
  app.openapi(listRoute(deps), async (c) => {
    const q = c.req.valid("query");
    const after = q.cursor ? decodeCursor(q.cursor, "candidates", isUrl)[0] : undefined;
    const { candidates, total } = await listCandidates(deps.db, {
      ...(q.network ? { networks: q.network } : {}),
      ...(after !== undefined ? { after } : {}),
      limit: q.limit + 1,
    });
    const page = candidates.slice(0, q.limit);
    const last = page.at(-1);
    return jsonWithEtag(c, {
      candidates: page.map(candidateJson),
      total,
      next: candidates.length > q.limit && last ? encodeCursor("candidates", [last.url]) : null,
    });
  });
}
