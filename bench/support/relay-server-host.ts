/**
 * `bigbrotr relay` of bench:relay in its own process (so its RSS is its own and the load
 * generator gets the other core): `tsx bench/support/relay-server-host.ts '{"url":…,"config":…}'`.
 * Announces `{"url":"ws://…","pid":N}` once listening; serves until stdin closes or SIGTERM.
 */

import pino from "pino";
import { brotrConfigSchema } from "../../src/core/config/schemas.js";
import { createPool } from "../../src/core/db/pool.js";
import { createDbOutage } from "../../src/core/db-outage.js";
import { createRegistry, createServiceMetrics } from "../../src/core/metrics.js";
import { relayConfigSchema } from "../../src/services/relay/config.js";
import { RELAY_SESSION_SETTINGS, startRelay } from "../../src/services/relay/service.js";
import { announceAndServe } from "./child.js";

const spec = JSON.parse(process.argv[2] ?? "{}") as { url: string; config: unknown; pool: number };
const config = relayConfigSchema.parse(spec.config);
const pool = createPool({
  url: spec.url,
  max: spec.pool,
  applicationName: "bench-relay",
  statementTimeoutMs: config.statement_timeout * 1000,
  sessionSettings: RELAY_SESSION_SETTINGS,
});
const log = pino({ level: "warn" });
const relay = await startRelay({ brotr: brotrConfigSchema.parse({}) }, config, {
  db: pool,
  log,
  metrics: createServiceMetrics(createRegistry(), "relay"),
  outage: createDbOutage(log),
});
let closing: Promise<void> | undefined;
announceAndServe({ url: relay.url, pid: process.pid }, () => {
  closing ??= relay.close().then(() => pool.end());
  return closing;
});
