import type { BrotrConfig } from "../core/config/schemas.js";
import type { Logger } from "../core/logger.js";
import { type Registry, startMetricsServer } from "../core/metrics.js";
import type { ChildMetrics } from "./child-metrics.js";
import { PORT_VARIABLES, portFromEnv } from "./environment.js";
import type { RunRequest } from "./run-request.js";
import type { Loaded } from "./service-files.js";

/**
 * The metrics server of the run (brotr.yaml's for `up`, the service's own alone), if enabled;
 * under `up`, with the metrics of its services' own processes (`children`).
 */
export async function startMetrics(
  request: RunRequest,
  brotr: BrotrConfig,
  loaded: readonly Loaded[],
  registry: Registry,
  log: Logger,
  children?: ChildMetrics,
): Promise<{ close(): Promise<void> } | undefined> {
  const configured = request.together ? brotr.metrics : loaded[0]?.config.metrics;
  // Containers bind metrics to all interfaces through this variable; the files default to loopback.
  const host = process.env.BIGBROTR_METRICS_HOST;
  const port = portFromEnv(process.env, PORT_VARIABLES.metrics);
  const metricsConfig = configured && {
    ...configured,
    ...(host ? { host } : {}),
    ...(port === undefined ? {} : { port }),
  };
  if (request.once || !metricsConfig?.enabled) return undefined;
  const server = await startMetricsServer(
    registry,
    metricsConfig,
    children && ((own) => children.exposition(own)),
  );
  log.info({ host: metricsConfig.host, port: metricsConfig.port }, "metrics_server_started");
  return server;
}
