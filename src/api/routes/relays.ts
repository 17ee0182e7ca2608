/** /v1/relays, /v1/relays/{url}, /v1/relays/{url}/history and /v1/online. */
import { z } from "@hono/zod-openapi";
import type { ApiApp, ApiDeps } from "../context.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { jsonWithEtag, prepareJson, sendJson } from "../json-response.js";
import { cacheFor } from "../middleware.js";
import { COVERAGE_METHODS, coverageRecordSchema } from "../relays/coverage-json.js";
import { relayDetail } from "../relays/detail.js";
import { historyAfter, historyPage, historyRange } from "../relays/history.js";
import { CONSENSUS_STATES, relayJson, relaySchema, uptimeSchema } from "../relays/json.js";
import { isSortKey, queryRelays, RELAY_SORTS, type RelayFilter } from "../relays/listing.js";
import { canonicalUrl, findRelay } from "../relays/lookup.js";
import { onlineUrls } from "../relays/online.js";
import { memoized, memoKey, type RelaySnapshots } from "../relays/snapshots.js";
import { RELAY_STATUSES, relayStatus } from "../relays/status.js";
import {
  enumParam,
  intParam,
  jsonRoute,
  listParam,
  networksParam,
  pageParams,
  quoted,
  timeParam,
} from "../schemas.js";

const boolParam = enumParam(["true", "false"])
  .transform((v) => v === "true")
  .optional();
const nip = intParam(0, 999_999_999);

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

function listRoute(deps: ApiDeps) {
  return jsonRoute({
    path: "/v1/relays",
    tags: ["relays"],
    summary: "Relays, filtered and sorted, in keyset pages",
    request: {
      query: z.strictObject({
        network: networksParam(),
        status: listParam(enumParam(RELAY_STATUSES), 3, "Statuses (any of them)"),
        consensus: listParam(
          enumParam(CONSENSUS_STATES),
          3,
          "Other monitors' consensus (any of them; a relay none covers is unknown)",
        ),
        coverage_method: listParam(
          enumParam([...COVERAGE_METHODS, "none"]),
          4,
          "How the relay's coverage was measured (any of them; none: never measured)",
        ),
        max_coverage: z.coerce.number().min(0).max(1).optional().openapi({
          description:
            "Coverage (0–1) at most: relays we hold little of (unmeasured ones excluded)",
        }),
        min_coverage: z.coerce.number().min(0).max(1).optional().openapi({
          description: "Coverage (0–1) at least",
        }),
        nips: listParam(nip, 50, "Supported NIPs (all of them)"),
        software: listParam(
          z.string().min(1).max(256),
          20,
          "Software names, case-insensitive (any of them)",
        ),
        country: listParam(
          z.string().regex(/^[A-Za-z]{2}$/, {
            error: (iss) => `${quoted(iss.input)} is not an ISO 3166-1 alpha-2 country code`,
          }),
          50,
          "ISO 3166-1 alpha-2 country codes of the relays' IP geolocation (any of them)",
        ),
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
        sort: enumParam(RELAY_SORTS).default("url").openapi({
          description:
            "url; rtt (fastest first); uptime (30 d, most first); events (most first); coverage (least first, unknown last)",
        }),
        ...pageParams(deps.config.limits),
      }),
    },
    ok: [
      "A page of relays",
      z.object({
        relays: z.array(relaySchema),
        total: z.int().openapi({ description: "Relays matching the filter" }),
        next: z.string().nullable(),
      }),
    ],
    errors: [400, 401, 429, 503, 504],
  });
}

const detailRoute = jsonRoute({
  path: "/v1/relays/{url}",
  tags: ["relays"],
  summary: "One relay: its newest result of every check, NIP-11 document, policy, events archived",
  request: { params: urlParams },
  ok: [
    "The relay",
    relaySchema
      .extend({
        nip11: z.record(z.string(), z.unknown()).nullable(),
        policy: z.record(z.string(), z.unknown()),
        geo: z.record(z.string(), z.unknown()).nullable(),
        checks: z.record(
          z.string(),
          z.object({ generated_at: z.int(), data: z.unknown(), logs: z.unknown() }),
        ),
        attribution: z.string().nullable(),
        coverage_history: z.array(coverageRecordSchema).openapi({
          description: "The newest coverage measurements, newest first (coverage is the first)",
        }),
      })
      .openapi("RelayDetail"),
  ],
  errors: [400, 401, 404, 429, 503, 504],
});

function historyRoute(deps: ApiDeps) {
  const span = deps.config.limits.max_history_span;
  return jsonRoute({
    path: "/v1/relays/{url}/history",
    tags: ["relays"],
    summary:
      "Up/down and RTT of every check in a time range (oldest first), and uptime over 24 h / 7 d / 30 d",
    request: {
      params: urlParams,
      query: z.strictObject({
        since: timeParam("Unix seconds (default: until − 7 days)"),
        until: timeParam("Unix seconds (default: now)"),
        ...pageParams(deps.config.limits),
      }),
    },
    ok: [
      `The series (a range spans at most ${span} s)`,
      z.object({
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
    ],
    errors: [400, 401, 404, 429, 503, 504],
  });
}

const onlineRoute = jsonRoute({
  path: "/v1/online",
  tags: ["relays"],
  summary:
    "The URLs of the relays up now (small and cacheable), optionally of some NIPs or a network",
  request: {
    query: z.strictObject({
      network: networksParam(),
      nips: listParam(nip, 50, "Supported NIPs (all of them)"),
    }),
  },
  ok: [
    "The online set, in URL order",
    z.object({ relays: z.array(z.string()), count: z.int(), checked_within: z.int() }),
  ],
  errors: [400, 401, 429, 503, 504],
});

type ListQuery = z.infer<ReturnType<typeof listRoute>["request"]["query"]>;

/** The listing filter of the query's filter parameters. */
function relayFilter(q: ListQuery): RelayFilter {
  return {
    ...(q.network ? { network: q.network } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.consensus ? { consensus: q.consensus } : {}),
    ...(q.coverage_method ? { coverageMethod: q.coverage_method } : {}),
    ...(q.min_coverage !== undefined ? { minCoverage: q.min_coverage } : {}),
    ...(q.max_coverage !== undefined ? { maxCoverage: q.max_coverage } : {}),
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
}

export function registerRelays(app: ApiApp, deps: ApiDeps, snapshots: RelaySnapshots): void {
  app.use("/v1/relays", cacheFor(deps.config.cache.max_age));
  app.use("/v1/online", cacheFor(deps.config.cache.max_age));
  app.use("/v1/relays/*", cacheFor(deps.config.cache.max_age));
  serveList(app, deps, snapshots);
  serveDetail(app, deps, snapshots);
  serveHistory(app, deps, snapshots);
  serveOnline(app, deps, snapshots);
}

function serveList(app: ApiApp, deps: ApiDeps, snapshots: RelaySnapshots): void {
  const maxAge = deps.config.max_check_age;
  app.openapi(listRoute(deps), async (c) => {
    const q = c.req.valid("query");
    const after = q.cursor
      ? decodeCursor(q.cursor, `relays:${q.sort}`, isSortKey(q.sort))
      : undefined;
    const snapshot = await snapshots.get();
    const now = deps.now();
    const build = () => {
      const page = queryRelays(snapshot.relays, {
        filter: relayFilter(q),
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
    return sendJson(c, memoized(snapshot, memoKey("relays", q, now), build), { compress: true });
  });
}

function serveDetail(app: ApiApp, deps: ApiDeps, snapshots: RelaySnapshots): void {
  app.openapi(detailRoute, async (c) => {
    const url = canonicalUrl(c.req.valid("param").url);
    const now = deps.now();
    const relay = await findRelay(snapshots, url);
    const status = relayStatus(relay, now, deps.config.max_check_age);
    return jsonWithEtag(c, await relayDetail(deps.db, relay, status));
  });
}

function serveHistory(app: ApiApp, deps: ApiDeps, snapshots: RelaySnapshots): void {
  app.openapi(historyRoute(deps), async (c) => {
    const url = canonicalUrl(c.req.valid("param").url);
    const q = c.req.valid("query");
    const range = historyRange(q, deps.now(), deps.config.limits.max_history_span);
    const after = historyAfter(q.cursor);
    const relay = await findRelay(snapshots, url);
    const page = await historyPage(deps.db, url, { ...range, after, limit: q.limit });
    return jsonWithEtag(c, { url, uptime: relay.uptime, ...range, ...page });
  });
}

function serveOnline(app: ApiApp, deps: ApiDeps, snapshots: RelaySnapshots): void {
  const maxAge = deps.config.max_check_age;
  app.openapi(onlineRoute, async (c) => {
    const q = c.req.valid("query");
    const snapshot = await snapshots.get();
    const now = deps.now();
    const build = () => {
      const relays = onlineUrls(snapshot.relays, q, now, maxAge);
      return prepareJson({ relays, count: relays.length, checked_within: maxAge });
    };
    return sendJson(c, memoized(snapshot, memoKey("online", q, now), build), { compress: true });
  });
}
