import { join, resolve } from "node:path";
import { type ApiConfig, apiConfigSchema } from "../../src/api/config.js";
import { type ApiServer, startApiServer } from "../../src/api/server.js";
import type { Db } from "../../src/core/db/pool.js";
import type { Registry } from "../../src/core/metrics.js";
import { createTestContext } from "./service-context.js";

export interface TestApi extends ApiServer {
  registry: Registry;
  logs: Record<string, unknown>[];
  config: ApiConfig;
  /** The context's clock (unix seconds); set `clock.now` to move time. */
  clock: { now: number | undefined };
  /** GET `path` (relative to the server) and parse JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely by the tests
  get(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: any }>;
}

/**
 * The real API server on 127.0.0.1:0 in this process, over `db`, with `overrides` of api.yaml
 * (rate limit off and no snapshot caching unless asked for).
 */
export async function startTestApi(
  db: Db,
  overrides: Record<string, unknown> = {},
  options: { apiKeys?: string[]; now?: number; explorer?: boolean } = {},
): Promise<TestApi> {
  const config = apiConfigSchema.parse({
    server: { host: "127.0.0.1", port: 0 },
    rate_limit: { enabled: false },
    cache: { relay_snapshot_seconds: 0 },
    ...overrides,
  });
  const t = createTestContext(db as never, {
    service: "api",
    ...(options.now ? { now: options.now } : {}),
  });
  const server = await startApiServer({
    db,
    config,
    metrics: t.ctx.metrics,
    log: t.ctx.log,
    now: t.ctx.now,
    apiKeys: options.apiKeys ?? [],
    ...(options.explorer ? { explorerDir: join(resolve("."), "web") } : {}),
  });
  return {
    ...server,
    registry: t.registry,
    logs: t.logs,
    config,
    clock: t.clock,
    async get(path, init) {
      const res = await fetch(new URL(path.replace(/^\//, ""), server.url), init);
      const text = await res.text();
      let body: unknown = text;
      if ((res.headers.get("content-type") ?? "").includes("json") && text) body = JSON.parse(text);
      return { status: res.status, headers: res.headers, body };
    },
  };
}
