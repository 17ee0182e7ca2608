import { createServer, type Server } from "node:http";
import client from "prom-client";

export type Registry = client.Registry;

/** The prefix of the process's default metrics. */
const DEFAULT_PREFIX = "brotr_";

/** A fresh registry with the process's default metrics (memory, event loop lag, GC). */
export function createRegistry(): Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: DEFAULT_PREFIX });
  return registry;
}

/** A registry's metrics as JSON (what another process sends to be served with ours). */
export type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

/** The default metrics of createRegistry(): one series set per process. */
const PROCESS_METRIC = new RegExp(`^${DEFAULT_PREFIX}(process|nodejs)_`);

/**
 * Several processes' registries as one exposition: the process metrics get a `process` label
 * (each process keeps its own series), the service metrics are told apart by their `service`
 * label, and equal series are summed (prom-client's cluster aggregators would instead average
 * event loop lag and drop the start time across processes).
 */
export async function combinedExposition(
  parts: readonly { process: string; metrics: MetricsJson }[],
): Promise<string> {
  const labelled = parts.map(({ process, metrics }) =>
    metrics.map((metric) => ({
      ...metric,
      aggregator: "sum" as const,
      values: PROCESS_METRIC.test(metric.name)
        ? metric.values.map((v) => ({ ...v, labels: { ...v.labels, process } }))
        : metric.values,
    })),
  );
  return client.AggregatorRegistry.aggregate(labelled).metrics();
}

const CYCLE_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

function getOrCreate<T extends client.Metric<string>>(
  registry: Registry,
  name: string,
  make: () => T,
): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * Metrics every service has, plus a factory for its own counters and gauges. All metrics carry a
 * `service` label; other labels must have a bounded set of values (never a relay URL).
 */
export interface ServiceMetrics {
  readonly service: string;
  cycle(outcome: "success" | "failure" | "interrupted", seconds: number): void;
  error(errorClass: string): void;
  consecutiveFailures(n: number): void;
  lastSuccess(unixSeconds: number): void;
  counter(name: string, help: string, labels?: readonly string[]): LabelledCounter;
  gauge(name: string, help: string, labels?: readonly string[]): LabelledGauge;
  histogram(
    name: string,
    help: string,
    buckets: number[],
    labels?: readonly string[],
  ): LabelledHistogram;
  /** The whole registry in Prometheus text format (for a server that serves its own /metrics). */
  exposition(): Promise<{ contentType: string; body: string }>;
}
export type Labels = Record<string, string>;
export interface LabelledCounter {
  inc(labels?: Labels, value?: number): void;
}
export interface LabelledGauge {
  set(labels: Labels, value: number): void;
}
export interface LabelledHistogram {
  observe(labels: Labels, value: number): void;
}

function counterFor(registry: Registry, name: string, help: string, labels: readonly string[]) {
  return getOrCreate(
    registry,
    name,
    () =>
      new client.Counter({ name, help, labelNames: ["service", ...labels], registers: [registry] }),
  );
}

function gaugeFor(registry: Registry, name: string, help: string, labels: readonly string[]) {
  return getOrCreate(
    registry,
    name,
    () =>
      new client.Gauge({ name, help, labelNames: ["service", ...labels], registers: [registry] }),
  );
}

function histogramFor(
  registry: Registry,
  name: string,
  help: string,
  buckets: number[],
  labels: readonly string[],
) {
  return getOrCreate(
    registry,
    name,
    () =>
      new client.Histogram({
        name,
        help,
        buckets,
        labelNames: ["service", ...labels],
        registers: [registry],
      }),
  );
}

export function createServiceMetrics(registry: Registry, service: string): ServiceMetrics {
  const cycles = counterFor(registry, "brotr_cycles_total", "Service cycles by outcome", [
    "outcome",
  ]);
  const errors = counterFor(registry, "brotr_errors_total", "Failed cycles by error class", [
    "error",
  ]);
  const duration = histogramFor(
    registry,
    "brotr_cycle_duration_seconds",
    "Duration of service cycles",
    CYCLE_BUCKETS,
    [],
  );
  const failures = gaugeFor(registry, "brotr_consecutive_failures", "Failed cycles in a row", []);
  const success = gaugeFor(
    registry,
    "brotr_last_success_timestamp_seconds",
    "Unix time of the last successful cycle",
    [],
  );
  const info = gaugeFor(registry, "brotr_service_info", "Always 1; one series per service", []);
  info.set({ service }, 1);
  const withService = (labels: Labels | undefined) => ({ ...labels, service });
  return {
    service,
    cycle(outcome, seconds) {
      cycles.inc({ service, outcome });
      duration.observe({ service }, seconds);
    },
    error: (errorClass) => errors.inc({ service, error: errorClass }),
    consecutiveFailures: (n) => failures.set({ service }, n),
    lastSuccess: (t) => success.set({ service }, t),
    counter(name, help, labels = []) {
      const c = counterFor(registry, name, help, labels);
      return { inc: (l, v = 1) => c.inc(withService(l), v) };
    },
    gauge(name, help, labels = []) {
      const g = gaugeFor(registry, name, help, labels);
      return { set: (l, v) => g.set(withService(l), v) };
    },
    histogram(name, help, buckets, labels = []) {
      const h = histogramFor(registry, name, help, buckets, labels);
      return { observe: (l, v) => h.observe(withService(l), v) };
    },
    exposition: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  path: string;
}

/**
 * Serves the registry in Prometheus text format (or what `exposition` makes of it: other
 * processes' metrics with it); everything else is 404.
 */
export async function startMetricsServer(
  registry: Registry,
  options: MetricsServerOptions,
  exposition: (registry: Registry) => Promise<string> = (r) => r.metrics(),
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === options.path) {
      exposition(registry).then(
        (body) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(body);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    if (req.method === "GET" && path === "/health") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok\n");
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
