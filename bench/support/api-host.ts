/**
 * The API of bench:api in its own process (the load generator gets the other core):
 * `tsx bench/support/api-host.ts '{"url":"postgres://…","config":{…api.yaml…}}'`. Prints one
 * JSON line `{"url":"http://127.0.0.1:PORT/"}` once listening, then serves until stdin
 * closes or SIGTERM.
 */
import pino from "pino";
import { apiConfigSchema } from "../../src/api/config.js";
import { startApiServer } from "../../src/api/server.js";
import { createPool } from "../../src/core/db/pool.js";
import { createRegistry, createServiceMetrics } from "../../src/core/metrics.js";

const spec = JSON.parse(process.argv[2] ?? "{}") as { url: string; config: unknown; pool: number };
const config = apiConfigSchema.parse(spec.config);
const pool = createPool({
  url: spec.url,
  max: spec.pool,
  applicationName: "bench-api",
  statementTimeoutMs: config.statement_timeout * 1000,
});
const server = await startApiServer({
  db: pool,
  config,
  metrics: createServiceMetrics(createRegistry(), "api"),
  log: pino({ level: "warn" }),
  now: () => Math.floor(Date.now() / 1000),
  apiKeys: [],
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

const stop = async () => {
  await server.close();
  await pool.end();
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
