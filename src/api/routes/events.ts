/** /v1/events (a NIP-01 filter over the archive, newest first) and /v1/events/{id}. */
import { z } from "@hono/zod-openapi";
import {
  type EventFilter,
  type FoundEvent,
  type FoundPage,
  findEvents,
  MAX_TAG_FILTERS,
  type NewestCursor,
} from "../../core/db/api/event-filter.js";
import type { ApiApp, ApiDeps } from "../context.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { ApiError } from "../errors.js";
import { prepareJsonText, sendJson } from "../json-response.js";
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

/**
 * An event's JSON text (eventSchema): the tags arrive from the database as JSON text and are
 * spliced in as they are, so a follow list of thousands of tags is never parsed and written
 * again (a page of them was most of a `#p` request's time).
 */
function eventText(e: FoundEvent): string {
  const head = JSON.stringify({
    id: e.id,
    pubkey: e.pubkey,
    created_at: e.created_at,
    kind: e.kind,
    relays: e.relays,
    ...(e.content !== null ? { content: e.content } : {}),
    ...(e.sig !== null ? { sig: e.sig } : {}),
  });
  return e.tags === null ? head : `${head.slice(0, -1)},"tags":${e.tags}}`;
}

/**
 * The events of `page` whose JSON fits in `maxBytes` together (always the first), and the
 * cursor after the last of them: a page cut by its size goes on where it stopped.
 */
function fitPage(
  page: FoundPage,
  maxBytes: number,
): { texts: string[]; next: NewestCursor | null } {
  const texts: string[] = [];
  let bytes = 0;
  for (const e of page.events) {
    const text = eventText(e);
    const size = Buffer.byteLength(text);
    if (texts.length > 0 && bytes + size > maxBytes) {
      const last = page.events[texts.length - 1] as FoundEvent;
      return { texts, next: { createdAt: last.created_at, id: last.id } };
    }
    texts.push(text);
    bytes += size;
  }
  return { texts, next: page.next };
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
      "Lists are comma-separated or repeated. Tag filters are `#x` parameters (percent-encoded as %23x), each matching any of its values; several combine with AND. " +
      "A page also ends before the event that would take its events' JSON past the server's byte budget (`limits.max_page_bytes`, 256 kB by default; always at least one event, however large): it may then hold fewer than `limit` events and still have a `next` cursor, which goes on right after its last event, so following `next` until it is null returns every matching event exactly once.",
    request: { query: filterQuery(deps) },
    ok: [
      "A page of events",
      z.object({
        events: z.array(eventSchema),
        next: z.string().nullable().openapi({
          description:
            "Cursor of the next page (pass it as `cursor`), null on the last; a page cut by the byte budget has one",
        }),
      }),
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
    const maxBytes = deps.config.limits.max_page_bytes;
    const page = await findEvents(deps.db, eventFilter(q), {
      ...(before ? { before: { createdAt: before[0], id: before[1] } } : {}),
      limit: q.limit,
      maxBytes,
    });
    const { texts, next } = fitPage(page, maxBytes);
    const cursor = next ? encodeCursor("events", [next.createdAt, next.id]) : null;
    return sendJson(
      c,
      prepareJsonText<{ events: EventJson[]; next: string | null }>(
        `{"events":[${texts.join(",")}],"next":${JSON.stringify(cursor)}}`,
      ),
    );
  });

  app.openapi(oneRoute, async (c) => {
    const { id } = c.req.valid("param");
    const page = await findEvents(deps.db, { ids: [id] }, { limit: 1 });
    const event = page.events[0];
    if (event === undefined) throw new ApiError(404, "not_found", `no archived event ${id}`);
    return sendJson(c, prepareJsonText<EventJson>(eventText(event)));
  });
}
