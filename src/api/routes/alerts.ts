/**
 * POST, GET /v1/alerts and DELETE /v1/alerts/{id}: alert subscriptions owned by the API key
 * that made them (docs/alerts.md). The API's one write (docs/architecture.md), through the
 * table's owner core/db/alert-subscriptions.ts; the monitor queues and sends their deliveries.
 */
import { randomBytes } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import {
  type AlertSubscription,
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  type NewSubscription,
} from "../../core/db/alert-subscriptions.js";
import { relayOperators } from "../../core/db/read/relay-operators.js";
import { CHANGE_KINDS } from "../../models/relay-change.js";
import { canonicalRelays, notOperated, webhookUrlProblem } from "../alert-input.js";
import { keyOwner, requestKey } from "../api-keys.js";
import type { ApiApp, ApiDeps } from "../context.js";
import { ApiError, type ApiIssue } from "../errors.js";
import { errorResponses, jsonResponse } from "../schemas.js";

const DEFAULT_KINDS = ["down", "up", "cert_expiring", "cert_invalid", "write_failing", "rtt_high"];
const kinds = z
  .array(z.enum(CHANGE_KINDS))
  .min(1)
  .max(CHANGE_KINDS.length)
  .default([...DEFAULT_KINDS] as (typeof CHANGE_KINDS)[number][])
  .openapi({ description: `Kinds of change (default ${DEFAULT_KINDS.join(", ")})` });
const relays = z.array(z.string().min(1).max(2048)).max(1000).default([]).openapi({
  description: "Only these relays (empty: every relay; for a DM, every one it operates)",
});

const webhookBody = z.strictObject({
  type: z.literal("webhook"),
  url: z.string().min(1).max(2048).openapi({ description: "http(s) URL the monitor POSTs to" }),
  relays,
  kinds,
});
const dmBody = z.strictObject({
  type: z.literal("dm"),
  pubkey: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex characters"),
  dm_relays: z
    .array(z.string().regex(/^wss?:\/\/\S+$/, "must be a ws:// or wss:// URL"))
    .min(1)
    .max(10)
    .openapi({ description: "Where the recipient reads its DMs (its kind 10050 relays)" }),
  relays,
  kinds,
});
const bodySchema = z.discriminatedUnion("type", [webhookBody, dmBody]).openapi("NewAlert");

const alertSchema = z
  .object({
    id: z.int(),
    type: z.enum(["webhook", "dm"]),
    url: z.string().nullable(),
    pubkey: z.string().nullable(),
    dm_relays: z.array(z.string()),
    relays: z.array(z.string()),
    kinds: z.array(z.string()),
    created_at: z.int(),
  })
  .openapi("Alert");

const alertJson = (s: AlertSubscription) => ({
  id: s.id,
  type: s.sink,
  url: s.url,
  pubkey: s.pubkey,
  dm_relays: s.dmRelays,
  relays: s.relays,
  kinds: s.kinds,
  created_at: s.createdAt,
});

const keyed = { security: [{ apiKey: [] }], tags: ["alerts"] };

const createAlertRoute = createRoute({
  method: "post",
  path: "/v1/alerts",
  ...keyed,
  summary: "Subscribe to relay changes: a webhook, or DMs to a relay's operator",
  description:
    "Owned by the API key that makes it. A webhook's HMAC secret is in this answer only. A DM " +
    "subscription's pubkey must be the operator (NIP-11 `pubkey`) of each relay it names.",
  request: { body: { content: { "application/json": { schema: bodySchema } }, required: true } },
  responses: {
    201: jsonResponse(
      "Made; `secret` (webhooks) signs each delivery and is never shown again",
      z.object({ alert: alertSchema, secret: z.string().optional() }),
    ),
    ...errorResponses(400, 401, 429, 503, 504),
  },
});

const listAlertsRoute = createRoute({
  method: "get",
  path: "/v1/alerts",
  ...keyed,
  summary: "This API key's alert subscriptions",
  responses: {
    200: jsonResponse("Oldest first", z.object({ alerts: z.array(alertSchema) })),
    ...errorResponses(401, 429, 503, 504),
  },
});

const deleteAlertRoute = createRoute({
  method: "delete",
  path: "/v1/alerts/{id}",
  ...keyed,
  summary: "Delete one of this API key's alert subscriptions",
  request: {
    params: z.object({
      id: z.coerce
        .number()
        .int()
        .min(1)
        .max(2 ** 53 - 1),
    }),
  },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, 404, 429, 503, 504) },
});

/** The owner of what this request makes or reads: its API key (required). */
function ownerOf(headers: Headers): string {
  const key = requestKey(headers);
  if (key === undefined) throw new ApiError(401, "unauthorized", "an API key is required");
  return keyOwner(key); // a key the middleware did not know was refused already
}

const refuse = (issues: ApiIssue[]) =>
  new ApiError(400, "bad_request", issues.map((i) => `${i.path}: ${i.message}`).join("; "), {
    issues,
  });

async function newSubscription(
  deps: ApiDeps,
  body: z.infer<typeof bodySchema>,
): Promise<{ sub: NewSubscription; secret?: string }> {
  const r = canonicalRelays(body.relays, "body.relays");
  if (r.issues.length > 0) throw refuse(r.issues);
  if (body.type === "webhook") {
    const problem = webhookUrlProblem(body.url, deps.config.alerts.allow_private_webhooks);
    if (problem !== null) throw refuse([{ path: "body.url", message: problem }]);
    const secret = randomBytes(32).toString("hex");
    const sub = {
      sink: "webhook" as const,
      url: body.url,
      secret,
      relays: r.urls,
      kinds: body.kinds,
    };
    return { sub, secret };
  }
  const wrong = notOperated(r.urls, await relayOperators(deps.db, r.urls), body.pubkey);
  if (wrong.length > 0) throw refuse(wrong);
  const { pubkey, dm_relays: dmRelays, kinds: k } = body;
  return { sub: { sink: "dm", pubkey, dmRelays, relays: r.urls, kinds: k } };
}

export function registerAlerts(app: ApiApp, deps: ApiDeps): void {
  if (!deps.config.alerts.enabled) return;
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  app.openapi(createAlertRoute, async (c) => {
    const owner = ownerOf(c.req.raw.headers);
    const { sub, secret } = await newSubscription(deps, c.req.valid("json"));
    const max = deps.config.alerts.max_per_key;
    const made = await createSubscription(deps.db, owner, sub, { max, now: deps.now() });
    if ("full" in made) {
      throw new ApiError(
        400,
        "bad_request",
        `this API key has ${made.full} alerts, the most allowed`,
      );
    }
    c.header("Cache-Control", "no-store");
    return c.json({ alert: alertJson(made.created), ...(secret ? { secret } : {}) }, 201);
  });
  app.openapi(listAlertsRoute, async (c) => {
    const subs = await listSubscriptions(deps.db, ownerOf(c.req.raw.headers));
    c.header("Cache-Control", "no-store");
    return c.json({ alerts: subs.map(alertJson) }, 200);
  });
  app.openapi(deleteAlertRoute, async (c) => {
    const { id } = c.req.valid("param");
    const gone = await deleteSubscription(deps.db, ownerOf(c.req.raw.headers), id);
    if (!gone) throw new ApiError(404, "not_found", `this API key has no alert ${id}`);
    return c.body(null, 204);
  });
}
