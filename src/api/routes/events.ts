/** /v1/events (a NIP-01 filter over the archive, newest first) and /v1/events/{id}. */
import { z } from "@hono/zod-openapi";
import {
  type EventFilter,
  type FoundEvent,
  findEvents,
  MAX_TAG_FILTERS,
} from "../../core/db/api/event-filter.js";
import type { ApiApp, ApiDeps } from "../context.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { ApiError } from "../errors.js";
import { jsonWithEtag } from "../json-response.js";
import { cacheFor } from "../middleware.js";
import { eventIdParam, pubkeyParam, tagValueParam } from "../nip19-params.js";
import { intParam, jsonRoute, listParam, pageParams, timeParam } from "../schemas.js";

const LETTERS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"];
const COMMON_TAGS: Record<string, string> = {
  e: "events referred to (hex, note or nevent)",
  p: "public keys referred to (hex, npub or nprofile)",
  t: "hashtags",
  d: "identifiers of addressable events",
  a: "addresses (kind:pubkey:d or naddr)",
  r: "references (URLs)",
};

export const eventSchema = z
  .object({
    id: z.string(),
    pubkey: z.string(),
    created_at: z.int(),
    kind: z.int(),
    tags: z
      .array(z.array(z.string()))
      .optional()
      .openapi({ description: "Absent in a lilbrotr archive" }),
    content: z.string().optional(),
    sig: z.string().optional(),
    relays: z.array(z.string()).openapi({ description: "Relays the archive saw it on" }),
  })
  .openapi("Event");
type EventJson = z.infer<typeof eventSchema>;

function eventJson(e: FoundEvent): EventJson {
  const out: EventJson = {
    id: e.id,
    pubkey: e.pubkey,
    created_at: e.created_at,
    kind: e.kind,
    relays: e.relays,
  };
  if (e.tags !== null) out.tags = e.tags;
  if (e.content !== null) out.content = e.content;
  if (e.sig !== null) out.sig = e.sig;
  return out;
}

function filterQuery(deps: ApiDeps) {
  const n = deps.config.limits.max_filter_values;
  const tags = Object.fromEntries(
    LETTERS.map((l) => [
      `#${l}`,
      listParam(tagValueParam(l), n, `Tag ${l}${COMMON_TAGS[l] ? `: ${COMMON_TAGS[l]}` : ""}`),
    ]),
  );
  return z
    .strictObject({
      ids: listParam(eventIdParam, n, "Event ids (hex, note or nevent)"),
      authors: listParam(pubkeyParam, n, "Author public keys (hex, npub or nprofile)"),
      kinds: listParam(intParam(0, 65_535), n, "Kinds"),
      since: timeParam("created_at at least (unix s)"),
      until: timeParam("created_at at most (unix s)"),
      ...pageParams(deps.config.limits),
      ...tags,
    })
    .refine(
      (q) =>
        LETTERS.filter((l) => (q as Record<string, unknown>)[`#${l}`] !== undefined).length <=
        deps.config.limits.max_tag_filters,
      {
        message: `at most ${deps.config.limits.max_tag_filters} different #tag filters`,
        path: ["#"],
      },
    );
}

function listRoute(deps: ApiDeps) {
  return jsonRoute({
    path: "/v1/events",
    tags: ["events"],
    summary:
      "Archived events matching a NIP-01 filter, newest first, with the relays each was seen on",
    description:
      "Lists are comma-separated or repeated. Tag filters are `#x` parameters (percent-encoded as %23x), each matching any of its values; several combine with AND.",
    request: { query: filterQuery(deps) },
    ok: [
      "A page of events",
      z.object({ events: z.array(eventSchema), next: z.string().nullable() }),
    ],
    errors: [400, 401, 429, 503, 504],
  });
}

const oneRoute = jsonRoute({
  path: "/v1/events/{id}",
  tags: ["events"],
  summary: "One archived event and the relays it was seen on",
  request: {
    params: z.object({
      id: eventIdParam.openapi({
        param: { name: "id", in: "path" },
        description: "The event id: hex, note or nevent",
      }),
    }),
  },
  ok: ["The event", eventSchema],
  errors: [400, 401, 404, 429, 503, 504],
});

const isNewest = (p: unknown[]): p is [number, string] =>
  p.length === 2 &&
  Number.isSafeInteger(p[0]) &&
  typeof p[1] === "string" &&
  /^[0-9a-f]{64}$/.test(p[1]);

/** The query's filter parameters, as validated (the `#x` tag parameters by name). */
type FilterQuery = Record<string, unknown> & {
  ids?: string[];
  authors?: string[];
  kinds?: number[];
  since?: number;
  until?: number;
};

/** The archive filter of the query's filter parameters. */
function eventFilter(q: FilterQuery): EventFilter {
  const tags = LETTERS.flatMap((l) => {
    const values = q[`#${l}`] as string[] | undefined;
    return values ? [{ name: l, values }] : [];
  }).slice(0, MAX_TAG_FILTERS);
  return {
    ...(q.ids ? { ids: q.ids } : {}),
    ...(q.authors ? { authors: q.authors } : {}),
    ...(q.kinds ? { kinds: q.kinds } : {}),
    ...(tags.length > 0 ? { tags } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
  };
}

export function registerEvents(app: ApiApp, deps: ApiDeps): void {
  app.use("/v1/events", cacheFor(deps.config.cache.max_age));
  // An event never changes: its answer may be kept for a day.
  app.use("/v1/events/*", cacheFor(86_400));

  app.openapi(listRoute(deps), async (c) => {
    const q = c.req.valid("query") as FilterQuery & { limit: number; cursor?: string };
    const before = q.cursor ? decodeCursor(q.cursor, "events", isNewest) : undefined;
    const page = await findEvents(deps.db, eventFilter(q), {
      ...(before ? { before: { createdAt: before[0], id: before[1] } } : {}),
      limit: q.limit,
    });
    return jsonWithEtag(c, {
      events: page.events.map(eventJson),
      next: page.next ? encodeCursor("events", [page.next.createdAt, page.next.id]) : null,
    });
  });

  app.openapi(oneRoute, async (c) => {
    const { id } = c.req.valid("param");
    const page = await findEvents(deps.db, { ids: [id] }, { limit: 1 });
    const event = page.events[0];
    if (event === undefined) throw new ApiError(404, "not_found", `no archived event ${id}`);
    return jsonWithEtag(c, eventJson(event));
  });
}
