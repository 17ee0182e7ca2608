import { Writable } from "node:stream";
import type pg from "pg";
import { createLogger } from "../../src/core/logger.js";
import { createRegistry, createServiceMetrics, type Registry } from "../../src/core/metrics.js";
import type { ServiceContext } from "../../src/core/service.js";

export interface TestContext {
  ctx: ServiceContext;
  /** Parsed JSON log records, in order. */
  logs: Record<string, unknown>[];
  registry: Registry;
  /** The value of one metric series, or undefined when it was never set. */
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>;
  abort(): void;
}

/** A real ServiceContext for tests: JSON logs captured in memory, a private metrics registry. */
export function createTestContext(
  db: pg.Pool,
  options: { service?: string; now?: () => number } = {},
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
  const ctx: ServiceContext = {
    db,
    log: createLogger({ level: "debug", format: "json", destination }).child({ service }),
    metrics: createServiceMetrics(registry, service),
    signal: controller.signal,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
  };
  return {
    ctx,
    logs,
    registry,
    abort: () => controller.abort(),
    async metric(name, labels = {}) {
      const metric = await registry.getSingleMetric(name)?.get();
      const series = metric?.values.find((v) =>
        Object.entries(labels).every(([k, val]) => v.labels[k] === val),
      );
      return series?.value;
    },
  };
}
