/**
 * `bigbrotr relay`: the archive as a read-only Nostr relay (docs/relay.md). Serves until
 * ctx.signal aborts; new events reach live subscriptions through the archive's event feed.
 */
import { listenForEvents } from "../../core/db/event-feed.js";
import { eventsByIds } from "../../core/db/relay/archive-reads.js";
import { RELAY } from "../../core/db/service-state/services.js";
import type { DbOutage } from "../../core/db-outage.js";
import type { Logger } from "../../core/logger.js";
import type { LongRunningService, ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import { toError } from "../../models/errors.js";
import type { RelayConfig } from "./config.js";
import { LiveHub } from "./live-hub.js";
import { relayMetrics } from "./metrics.js";
import { RelayQuotas } from "./quotas.js";
import { createRuntime, type RelayRuntime } from "./runtime.js";
import { type RelayServer, startRelayServer } from "./server.js";

export { relayConfigSchema } from "./config.js";

/** A running relay (tests and the bench hold it to wait for live delivery). */
export interface RunningRelay extends RelayServer {
  readonly runtime: RelayRuntime;
}

/**
 * Announced ids go to the live hub; a lost session is logged once until it is back. Lost to a
 * database outage, it is the process's outage (logged once by `outage`), told here at debug.
 */
function listen(db: ServiceContext["db"], live: LiveHub, log: Logger, outage: DbOutage) {
  let lost: "outage" | "other" | undefined;
  return listenForEvents(db, {
    onIds: (ids) => live.announce(ids),
    onLost(error) {
      const unavailable = outage.failed(error) !== undefined;
      if (lost === undefined && unavailable) log.debug("relay_event_feed_lost");
      else if (lost === undefined) log.warn({ err: toError(error) }, "relay_event_feed_lost");
      lost ??= unavailable ? "outage" : "other";
    },
    onListening() {
      outage.succeeded();
      if (lost === "other") log.info("relay_event_feed_back");
      else if (lost === "outage") log.debug("relay_event_feed_back");
      lost = undefined;
    },
  });
}

/**
 * The server settings of the relay's connections: generic plans. A REQ's statement is named per
 * driver (core/db/relay/archive-reads.ts) so that a connection plans it once, but left to choose,
 * PostgreSQL keeps custom plans for it (their estimates look cheaper) and plans the 16 event
 * partitions again at every REQ: 5-6 ms of a REQ whose execution takes 1-3 ms. The generic plan
 * is the same index-ordered plan whatever the values (test/db/core/explain.test.ts). COUNT and
 * NEG-OPEN are planned generic too: the same indexes, absent conditions checked per row.
 */
export const RELAY_SESSION_SETTINGS = { plan_cache_mode: "force_generic_plan" } as const;

/** Starts the server and its live feed on ctx's pool. */
export async function startRelay(
  deps: ServiceDeps,
  config: RelayConfig,
  ctx: Pick<ServiceContext, "db" | "log" | "metrics" | "outage">,
): Promise<RunningRelay> {
  const live = new LiveHub((ids) => eventsByIds(ctx.db, ids), ctx.log);
  const runtime = createRuntime(
    {
      db: ctx.db,
      profile: deps.brotr.profile,
      config,
      metrics: relayMetrics(ctx.metrics),
      live,
      outage: ctx.outage,
      quotas: new RelayQuotas(config.limits),
    },
    ctx.log,
  );
  const feed = listen(ctx.db, live, ctx.log, ctx.outage);
  try {
    const server = await startRelayServer(runtime);
    return {
      runtime,
      url: server.url,
      close: async () => {
        await server.close();
        await feed.close();
      },
    };
  } catch (error) {
    await feed.close();
    throw error;
  }
}

export function createRelayService(deps: ServiceDeps, config: RelayConfig): LongRunningService {
  return {
    name: RELAY,
    sessionSettings: RELAY_SESSION_SETTINGS,
    async serve(ctx: ServiceContext) {
      const relay = await startRelay(deps, config, ctx);
      ctx.log.info({ url: relay.url, profile: deps.brotr.profile }, "relay_listening");
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await relay.close();
    },
  };
}
