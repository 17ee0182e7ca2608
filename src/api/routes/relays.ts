/** /v1/relays, /v1/relays/{url}, /v1/relays/{url}/history and /v1/online. */
import { createRoute, z } from "@hono/zod-openapi";
import { readRttHistory } from "../../core/db/api/relay-history.js";
import { latestRelayMetadata } from "../../core/db/api/relay-metadata.js";
import type { RelaySummary } from "../../core/db/api/relay-summary.js";
import { NETWORKS } from "../../models/network.js";
import { parseRelayUrl } from "../../models/relay-url.js";
import type { ApiApp, ApiDeps } from "../context.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { ApiError } from "../errors.js";
import { jsonWithEtag, prepareJson, sendJson } from "../json-response.js";
import { cacheFor } from "../middleware.js";
import { relayJson, relaySchema, uptimeSchema } from "../relay-json.js";
import {
  isSortKey,
  queryRelays,
  RELAY_SORTS,
  type RelayFilter,
  relayStatus,
} from "../relay-query.js";
import { memoized, type RelaySnapshots } from "../relay-snapshots.js";
import { cursorParam, errorResponses, intParam, listParam } from "../schemas.js";

const boolParam = z
  .enum(["true", "false"])
  .transform((v) => v === "true")
  .optional();
const nip = z.coerce.number().int().min(0).max(999_999_999);

function pageSize(deps: ApiDeps) {
  const { default_page_size: def, max_page_size: max } = deps.config.limits;
  return intParam(1, max)
    .default(def)
    .openapi({ description: `Page size (default ${def}, at most ${max})` });
}

const urlParams = z.object({
  url: z
    .string()
    .min(1)
    .max(2048)
    .openapi({
      param: { name: "url", in: "path" },
      description: "The relay URL, percent-encoded (wss%3A%2F%2Frelay.example)",
    }),
});

/**
 * The canonical form of a relay URL from the path; a ws(s) URL the parser refuses (a name it
 * would not discover, yet stored) is looked up as given; anything else is a 400 naming path.url.
 */
function canonicalUrl(raw: string): string {
  const parsed = parseRelayUrl(raw, { allowPrivate: true });
  if (parsed.ok) return parsed.url;
  if (/^wss?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(raw)) return raw;
  throw new ApiError(400, "bad_request", `invalid path.url: ${parsed.reason}`, {
    issues: [{ path: "path.url", message: parsed.reason }],
  });
}

/** A relay's state and uptime (as of the snapshot when one is kept), or 404. */
async function oneRelay(snapshots: RelaySnapshots, url: string): Promise<RelaySummary> {
  const relay = await snapshots.relay(url);
  if (relay === undefined) throw new ApiError(404, "not_found", `no relay ${url}`);
  return relay;
}

function listRoute(deps: ApiDeps) {
  return createRoute({
    method: "get",
    path: "/v1/relays",
    tags: ["relays"],
    summary: "Relays, filtered and sorted, in keyset pages",
    request: {
      query: z.strictObject({
        network: z.enum(NETWORKS).optional(),
        status: z.enum(["up", "down", "unknown"]).optional(),
        nips: listParam(nip, 50, "Supported NIPs (all of them)"),
        software: z.string().min(1).max(256).optional(),
        country: z
          .string()
          .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 code")
          .optional(),
        asn: intParam(0, 4_294_967_295).optional(),
        max_rtt: intParam(0, 600_000).optional().openapi({ description: "Most rtt_open (ms)" }),
        auth_required: boolParam,
        payment_required: boolParam,
        writable: boolParam,
        q: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .openapi({ description: "Substring of the URL or name" }),
        sort: z.enum(RELAY_SORTS).default("url").openapi({
          description: "url; rtt (fastest first); uptime (30 d, most first); events (most first)",
        }),
        limit: pageSize(deps),
        cursor: cursorParam,
      }),
    },
    responses: {
      200: {
        description: "A page of relays",
        content: {
          "application/json": {
            schema: z.object({
              relays: z.array(relaySchema),
              total: z.int().openapi({ description: "Relays matching the filter" }),
              next: z.string().nullable(),
            }),
          },
        },
      },
      ...errorResponses(400, 401, 429, 503, 504),
    },
  });
}

const detailRoute = createRoute({
  method: "get",
  path: "/v1/relays/{url}",
  tags: ["relays"],
  summary: "One relay: its newest result of every check, NIP-11 document, policy, events archived",
  request: { params: urlParams },
  responses: {
    200: {
      description: "The relay",
      content: {
        "application/json": {
          schema: relaySchema
            .extend({
              nip11: z.record(z.string(), z.unknown()).nullable(),
              policy: z.record(z.string(), z.unknown()),
              geo: z.record(z.string(), z.unknown()).nullable(),
              checks: z.record(
                z.string(),
                z.object({ generated_at: z.int(), data: z.unknown(), logs: z.unknown() }),
              ),
              attribution: z.string().nullable(),
            })
            .openapi("RelayDetail"),
        },
      },
    },
    ...errorResponses(400, 401, 404, 429, 503, 504),
  },
});

function historyRoute(deps: ApiDeps) {
  const span = deps.config.limits.max_history_span;
  return createRoute({
    method: "get",
    path: "/v1/relays/{url}/history",
    tags: ["relays"],
    summary:
      "Up/down and RTT of every check in a time range (oldest first), and uptime over 24 h / 7 d / 30 d",
    request: {
      params: urlParams,
      query: z.strictObject({
        since: intParam(0, 2 ** 40)
          .optional()
          .openapi({ description: "Unix seconds (default: until − 7 days)" }),
        until: intParam(0, 2 ** 40)
          .optional()
          .openapi({ description: "Unix seconds (default: now)" }),
        limit: pageSize(deps),
        cursor: cursorParam,
      }),
    },
    responses: {
      200: {
        description: `The series (a range spans at most ${span} s)`,
        content: {
          "application/json": {
            schema: z.object({
              url: z.string(),
              uptime: uptimeSchema,
              since: z.int(),
              until: z.int(),
              points: z.array(
                z.object({
                  t: z.int(),
                  up: z.boolean(),
                  rtt_open: z.number().nullable(),
                  rtt_read: z.number().nullable(),
                  rtt_write: z.number().nullable(),
                }),
              ),
              next: z.string().nullable(),
            }),
          },
        },
      },
      ...errorResponses(400, 401, 404, 429, 503, 504),
    },
  });
}

const onlineRoute = createRoute({
  method: "get",
  path: "/v1/online",
  tags: ["relays"],
  summary:
    "The URLs of the relays up now (small and cacheable), optionally of some NIPs or a network",
  request: {
    query: z.strictObject({
      network: z.enum(NETWORKS).optional(),
      nips: listParam(nip, 50, "Supported NIPs (all of them)"),
    }),
  },
  responses: {
    200: {
      description: "The online set, in URL order",
      content: {
        "application/json": {
          schema: z.object({
            relays: z.array(z.string()),
            count: z.int(),
            checked_within: z.int(),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 429, 503, 504),
  },
});

const POLICY_LOGS = [
  "read_policy",
  "write_policy",
  "auth",
  "read_reason",
  "write_reason",
  "open_reason",
];

function policyOf(relay: RelaySummary, nip11: Record<string, unknown> | null, rttLogs: unknown) {
  const limitation = nip11?.limitation;
  const logs = (rttLogs ?? {}) as Record<string, unknown>;
  const measured = Object.fromEntries(
    POLICY_LOGS.filter((k) => k in logs).map((k) => [k, logs[k]]),
  );
  return {
    advertised: typeof limitation === "object" && limitation !== null ? limitation : {},
    measured: { writable: relay.writable, ...measured },
  };
}

/**
 * A snapshot's answer depends on the query and, through "up now", on the time: answers are
 * kept per minute (a relay's status moves with the clock only at its max_check_age edge).
 */
const memoKey = (route: string, query: unknown, now: number) =>
  `${route} ${Math.floor(now / 60)} ${JSON.stringify(query)}`;

export function registerRelays(app: ApiApp, deps: ApiDeps, snapshots: RelaySnapshots): void {
  const maxAge = deps.config.max_check_age;
  app.use("/v1/relays", cacheFor(deps.config.cache.max_age));
  app.use("/v1/online", cacheFor(deps.config.cache.max_age));
  app.use("/v1/relays/*", cacheFor(deps.config.cache.max_age));

  app.openapi(listRoute(deps), async (c) => {
    const q = c.req.valid("query");
    const after = q.cursor
      ? decodeCursor(q.cursor, `relays:${q.sort}`, isSortKey(q.sort))
      : undefined;
    const filter: RelayFilter = {
      ...(q.network ? { network: q.network } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.nips ? { nips: q.nips } : {}),
      ...(q.software ? { software: q.software } : {}),
      ...(q.country ? { country: q.country } : {}),
      ...(q.asn !== undefined ? { asn: q.asn } : {}),
      ...(q.max_rtt !== undefined ? { maxRtt: q.max_rtt } : {}),
      ...(q.auth_required !== undefined ? { authRequired: q.auth_required } : {}),
      ...(q.payment_required !== undefined ? { paymentRequired: q.payment_required } : {}),
      ...(q.writable !== undefined ? { writable: q.writable } : {}),
      ...(q.q ? { q: q.q } : {}),
    };
    const snapshot = await snapshots.get();
    const now = deps.now();
    const build = () => {
      const page = queryRelays(snapshot.relays, {
        filter,
        sort: q.sort,
        ...(after ? { after } : {}),
        limit: q.limit,
        now,
        maxCheckAge: maxAge,
      });
      return prepareJson({
        relays: page.relays.map((r) => relayJson(r, relayStatus(r, now, maxAge))),
        total: page.total,
        next: page.next ? encodeCursor(`relays:${q.sort}`, page.next) : null,
      });
    };
    return sendJson(c, memoized(snapshot, memoKey("relays", q, now), build));
  });

  app.openapi(detailRoute, async (c) => {
    const url = canonicalUrl(c.req.valid("param").url);
    const now = deps.now();
    const relay = await oneRelay(snapshots, url);
    const latest = await latestRelayMetadata(deps.db, [url]);
    const checks: Record<string, { generated_at: number; data: unknown; logs: unknown }> = {};
    for (const m of latest) {
      const doc = (m.data ?? {}) as { data?: unknown; logs?: unknown };
      checks[m.metadataType] = {
        generated_at: m.generatedAt,
        data: doc.data ?? {},
        logs: doc.logs ?? {},
      };
    }
    const nip11 = (checks.nip11_info?.data ?? null) as Record<string, unknown> | null;
    const geo = (checks.nip66_geo?.data ?? null) as Record<string, unknown> | null;
    return jsonWithEtag(c, {
      ...relayJson(relay, relayStatus(relay, now, maxAge)),
      nip11,
      policy: policyOf(relay, nip11, checks.nip66_rtt?.logs),
      geo,
      checks,
      attribution: geo ? "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0" : null,
    });
  });

  app.openapi(historyRoute(deps), async (c) => {
    const url = canonicalUrl(c.req.valid("param").url);
    const q = c.req.valid("query");
    const now = deps.now();
    const until = q.until ?? now;
    const since = q.since ?? Math.max(0, until - 7 * 86_400);
    if (since > until || until - since > deps.config.limits.max_history_span) {
      throw new ApiError(
        400,
        "bad_request",
        "invalid query.since: the range is empty or too long",
        {
          issues: [
            {
              path: "query.since",
              message: `must be at most until, and until - since at most ${deps.config.limits.max_history_span} s`,
            },
          ],
        },
      );
    }
    const isTime = (p: unknown[]): p is [number] => p.length === 1 && Number.isSafeInteger(p[0]);
    const after = q.cursor ? decodeCursor(q.cursor, "history", isTime)[0] : undefined;
    const relay = await oneRelay(snapshots, url);
    const points = await readRttHistory(deps.db, url, {
      since,
      until,
      ...(after !== undefined ? { after } : {}),
      limit: q.limit,
    });
    const last = points.at(-1);
    return jsonWithEtag(c, {
      url,
      uptime: relay.uptime,
      since,
      until,
      points: points.map((p) => ({
        t: p.t,
        up: p.up,
        rtt_open: p.rttOpen,
        rtt_read: p.rttRead,
        rtt_write: p.rttWrite,
      })),
      next: last && points.length === q.limit ? encodeCursor("history", [last.t]) : null,
    });
  });

  app.openapi(onlineRoute, async (c) => {
    const q = c.req.valid("query");
    const snapshot = await snapshots.get();
    const now = deps.now();
    const build = () => {
      const relays = snapshot.relays
        .filter(
          (r) =>
            (q.network === undefined || r.network === q.network) &&
            (q.nips === undefined || q.nips.every((n) => r.nips.includes(n))) &&
            relayStatus(r, now, maxAge) === "up",
        )
        .map((r) => r.url);
      return prepareJson({ relays, count: relays.length, checked_within: maxAge });
    };
    return sendJson(c, memoized(snapshot, memoKey("online", q, now), build));
  });
}
