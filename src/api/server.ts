/**
 * The API as a long-running service: listens on the configured address until shutdown, then
 * stops accepting, lets requests in flight finish (up to a few seconds) and closes.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { API } from "../core/db/service-state/services.js";
import type { LongRunningService, ServiceContext } from "../core/service.js";
import { createApiApp } from "./app.js";
import type { ApiConfig } from "./config.js";
import type { ApiDeps } from "./context.js";

export interface ApiServer {
  /** http://host:port/ as bound (port 0 resolved). */
  readonly url: string;
  close(): Promise<void>;
}

const DRAIN_MS = 5000;

/** Starts the app on host:port; resolves once listening, rejects when it cannot bind. */
export function startApiServer(deps: ApiDeps): Promise<ApiServer> {
  const closing = new AbortController();
  const signals = deps.signal ? [deps.signal, closing.signal] : [closing.signal];
  const app = createApiApp({ ...deps, signal: AbortSignal.any(signals) });
  const { host, port } = deps.config.server;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      const http = server as Server;
      server.off("error", reject);
      const shown = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shown}:${info.port}/`,
        close: () =>
          new Promise<void>((done) => {
            closing.abort();
            const force = setTimeout(() => http.closeAllConnections(), DRAIN_MS);
            force.unref();
            server.close(() => {
              clearTimeout(force);
              done();
            });
            http.closeIdleConnections();
          }),
      });
    });
    server.once("error", reject);
  });
}

export interface ApiServiceOptions {
  apiKeys: readonly string[];
  explorerDir?: string;
}

/** `bigbrotr api`: serves until ctx.signal aborts. */
export function createApiService(
  config: ApiConfig,
  options: ApiServiceOptions,
): LongRunningService {
  return {
    name: API,
    async serve(ctx: ServiceContext) {
      const server = await startApiServer({
        db: ctx.db,
        config,
        metrics: ctx.metrics,
        log: ctx.log,
        now: ctx.now,
        outage: ctx.outage,
        apiKeys: options.apiKeys,
        ...(options.explorerDir ? { explorerDir: options.explorerDir } : {}),
      });
      ctx.log.info(
        {
          url: server.url,
          explorer: config.server.explorer ? server.url : undefined,
          docs: `${server.url}docs`,
        },
        "api_listening",
      );
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await server.close();
    },
  };
}
