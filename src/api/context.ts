/** What every route of the API is given: the read handle, its config and the shared caches. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Db } from "../core/db/pool.js";
import type { DbOutage } from "../core/db-outage.js";
import type { Logger } from "../core/logger.js";
import type { ServiceMetrics } from "../core/metrics.js";
import type { ApiConfig } from "./config.js";

export interface ApiDeps {
  /** Read-only pool (the reader role where configured). */
  readonly db: Db;
  readonly config: ApiConfig;
  readonly metrics: ServiceMetrics;
  readonly log: Logger;
  /** Unix seconds (a parameter so tests can move time). */
  now(): number;
  /** Known API keys (from the variable named by api_keys_env). */
  readonly apiKeys: readonly string[];
  /** Explorer files (web/) and the packages it serves from node_modules; absent = no explorer. */
  readonly explorerDir?: string;
  /** Aborted when the server closes: open streams end. */
  readonly signal?: AbortSignal;
  /** The process's database outage state (absent: the app keeps its own). */
  readonly outage?: DbOutage;
}

export interface ApiVariables {
  /** The rate-limit bucket: `ip:<address>` or `key:<hash prefix>`. */
  client: string;
}

export type ApiApp = OpenAPIHono<{ Variables: ApiVariables }>;
