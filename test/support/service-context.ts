import { Writable } from "node:stream";
import type pg from "pg";
import { createDbOutage } from "../../src/core/db-outage.js";
import { createLogger } from "../../src/core/logger.js";
import { createRegistry, createServiceMetrics, type Registry } from "../../src/core/metrics.js";
import type { ServiceContext } from "../../src/core/service.js";

export interface TestContext {
  ctx: ServiceContext;
  /** Parsed JSON log records, in order. */
  logs: Record<string, unknown>[];
  registry: Registry;
  /** The context's clock: set `clock.now` to move time; undefined follows the wall clock. */
  clock: { now: number | undefined };
  /** The value of one metric series, or undefined when it was never set. */
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>;
  abort(): void;
}

/** The value of one series of a metric in `registry`, or undefined. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  const series = metric?.values.find((v) =>
    Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  );
  return series?.value;
}

/** A real ServiceContext for tests: JSON logs captured in memory, a private metrics registry. */
export function createTestContext(
  db: pg.Pool,
  options: { service?: string; now?: number; signal?: AbortSignal } = {},
): TestContext {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const service = options.service ?? "test";
  const registry = createRegistry();
  const controller = new AbortController();
  const clock: { now: number | undefined } = { now: options.now };
  const log = createLogger({ level: "debug", format: "json", destination }).child({ service });
  const ctx: ServiceContext = {
    db,
    log,
    metrics: createServiceMetrics(registry, service),
    signal: options.signal ?? controller.signal,
    now: () => clock.now ?? Math.floor(Date.now() / 1000),
    outage: createDbOutage(log),
  };
  return {
    ctx,
    logs,
    registry,
    clock,
    abort: () => controller.abort(),
    metric: (name, labels) => metricValue(registry, name, labels),
  };
}
