/** GET /v1/stream: relay changes as they are stored, as Server-Sent Events (docs/changes.md). */
import { setMaxListeners } from "node:events";
import { createRoute, z } from "@hono/zod-openapi";
import type { Network } from "../../models/network.js";
import { CHANGE_KINDS, type ChangeKind } from "../../models/relay-change.js";
import type { ApiApp, ApiDeps } from "../context.js";
import { ApiError } from "../errors.js";
import { canonicalUrl } from "../relays/lookup.js";
import { enumParam, errorResponses, intParam, listParam, networksParam } from "../schemas.js";
import { ChangeFeed } from "../stream/change-feed.js";
import { openChangeStream, type StreamFilter } from "../stream/change-stream.js";
import { StreamLimits } from "../stream/stream-limits.js";

const MAX_ID = 2 ** 53 - 1;

const streamRoute = createRoute({
  method: "get",
  path: "/v1/stream",
  tags: ["changes"],
  summary: "Relay changes as they happen (Server-Sent Events)",
  description:
    "Each change is an `event: change` with `id:` (the change's id, increasing) and one JSON `data:` line: " +
    "`{id, relay, network, kind, checked_at, recorded_at, evidence}`. A reconnecting client sends " +
    "`Last-Event-ID` (EventSource does) or `last_event_id` and first gets the changes it missed, at most " +
    "the configured backlog (an `event: truncated` says older ones were skipped). A `: heartbeat` comment " +
    "comes every few seconds. Open streams are capped per server and per client (address or API key).",
  request: {
    query: z.object({
      relay: listParam(z.string().min(1).max(2048), 100, "Only these relays (URLs)"),
      network: networksParam(),
      kind: listParam(enumParam(CHANGE_KINDS), CHANGE_KINDS.length, "Only these kinds of change"),
      last_event_id: intParam(0, MAX_ID)
        .optional()
        .openapi({ description: "Resume after this change id (as the Last-Event-ID header)" }),
    }),
    headers: z.object({
      "last-event-id": intParam(0, MAX_ID)
        .optional()
        .openapi({ description: "Resume after this change id (sent by EventSource)" }),
    }),
  },
  responses: {
    200: {
      description: "An endless text/event-stream of changes",
      content: { "text/event-stream": { schema: z.string() } },
    },
    ...errorResponses(400, 401, 429, 503),
  },
});

function filterOf(q: {
  relay?: string[] | undefined;
  network?: Network[] | undefined;
  kind?: ChangeKind[] | undefined;
}): StreamFilter {
  return {
    ...(q.relay && { relays: new Set(q.relay.map(canonicalUrl)) }),
    ...(q.network && { networks: new Set(q.network) }),
    ...(q.kind && { kinds: new Set(q.kind) }),
  };
}

export function registerStream(app: ApiApp, deps: ApiDeps, onFeedError: (e: unknown) => void) {
  const config = deps.config.stream;
  if (!config.enabled) return;
  const feed = new ChangeFeed(deps.db, {
    pollMs: config.poll_ms,
    gapWaitMs: config.gap_wait_seconds * 1000,
    batch: 1000,
    onError: onFeedError,
  });
  const limits = new StreamLimits({ total: config.max_streams, ...config.per_client });
  const open = deps.metrics.gauge("brotr_api_streams_open", "Open /v1/stream connections", []);
  const refused = deps.metrics.counter("brotr_api_streams_refused_total", "Streams refused", [
    "reason",
  ]);
  const closing = deps.signal ?? new AbortController().signal;
  setMaxListeners(0, closing); // one listener per open stream
  closing.addEventListener("abort", () => feed.stop(), { once: true });
  app.openapi(streamRoute, async (c) => {
    const q = c.req.valid("query");
    const lastEventId = q.last_event_id ?? c.req.valid("header")["last-event-id"];
    const filter = filterOf(q);
    const release = limits.take(c.get("client"));
    if (typeof release === "string") {
      refused.inc({ reason: release });
      const [status, message] =
        release === "server_full"
          ? ([503, "the server holds as many streams as it may"] as const)
          : ([429, "this client holds as many streams as it may"] as const);
      throw new ApiError(status, status === 503 ? "unavailable" : "rate_limited", message, {
        headers: { "Retry-After": "30" },
      });
    }
    open.set({}, limits.open);
    const done = () => {
      release();
      open.set({}, limits.open);
    };
    const body = await openChangeStream({
      feed,
      db: deps.db,
      filter,
      ...(lastEventId === undefined ? {} : { lastEventId }),
      backlog: config.backlog,
      heartbeatMs: config.heartbeat_seconds * 1000,
      maxQueued: config.max_queued,
      signal: closing,
      onClose: done,
    }).catch((error: unknown) => {
      done();
      throw error;
    });
    return new Response(body, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
      },
    }) as never;
  });
}
