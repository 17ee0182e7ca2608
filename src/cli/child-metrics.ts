/**
 * The metrics of a service `bigbrotr up` runs in a process of its own (service-process.ts) are
 * served on `up`'s endpoint (brotr.yaml `metrics`), with the metrics of the services `up` runs
 * itself, so one scrape target sees the whole run as it did before the synchronizer moved out.
 * On each scrape `up` asks every live child over its IPC channel for its registry as JSON and
 * serves the union: service metrics are told apart by their `service` label; the process
 * metrics (`brotr_process_*`, `brotr_nodejs_*`: memory, CPU, event loop, GC) get a `process`
 * label (`up` or the child's service) so each process keeps its own series. A child that does
 * not answer within 2 s is left out of that scrape. The child serves no port of its own then
 * (`BIGBROTR_METRICS_VIA_UP`): its compose service, run alone, serves its own as before.
 */
import type { ChildProcess } from "node:child_process";
import { combinedExposition, type MetricsJson, type Registry } from "../core/metrics.js";

/** Set by `up` in a child's environment: serve metrics to `up`, not on a port. */
export const METRICS_VIA_UP = "BIGBROTR_METRICS_VIA_UP";

const REQUEST = "bigbrotr:metrics?";
const ANSWER = "bigbrotr:metrics";
const ANSWER_MS = 2000;

interface Answer {
  type: typeof ANSWER;
  id: number;
  metrics: MetricsJson;
}

/** In a child of `up`: answers its requests with this registry; stop() before the run ends. */
export function answerMetricsOfUp(registry: Registry): { stop(): void } | undefined {
  const send = process.send?.bind(process);
  if (process.env[METRICS_VIA_UP] !== "1" || send === undefined) return undefined;
  const onMessage = (message: unknown) => {
    const m = message as { type?: unknown; id?: unknown } | null;
    if (m?.type !== REQUEST || typeof m.id !== "number") return;
    const id = m.id;
    void registry.getMetricsAsJSON().then(
      (metrics) => {
        if (process.connected) send({ type: ANSWER, id, metrics } satisfies Answer);
      },
      () => undefined,
    );
  };
  process.on("message", onMessage);
  // A 'message' listener holds the channel open: removed, the process may exit when done.
  return { stop: () => process.off("message", onMessage) };
}

/** In `up`: its children's registries, asked for at each scrape. */
export interface ChildMetrics {
  add(service: string, child: ChildProcess): void;
  remove(child: ChildProcess): void;
  /** up's registry and every child's that answered, as one exposition. */
  exposition(own: Registry): Promise<string>;
}

export function childMetrics(): ChildMetrics {
  const children = new Map<ChildProcess, string>();
  let nextId = 0;
  const ask = (child: ChildProcess): Promise<MetricsJson | undefined> =>
    new Promise((resolve) => {
      if (!child.connected) {
        resolve(undefined);
        return;
      }
      const id = ++nextId;
      const done = (metrics: MetricsJson | undefined) => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(metrics);
      };
      const onMessage = (message: unknown) => {
        const m = message as Partial<Answer> | null;
        if (m?.type === ANSWER && m.id === id && Array.isArray(m.metrics)) done(m.metrics);
      };
      const onExit = () => done(undefined);
      const timer = setTimeout(() => done(undefined), ANSWER_MS);
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send({ type: REQUEST, id }, (error) => {
        if (error) done(undefined);
      });
    });
  return {
    add: (service, child) => void children.set(child, service),
    remove: (child) => void children.delete(child),
    async exposition(own) {
      const asked = [...children].map(async ([child, process]) => {
        const metrics = await ask(child);
        return metrics && { process, metrics };
      });
      const parts = [{ process: "up", metrics: await own.getMetricsAsJSON() }];
      for (const part of await Promise.all(asked)) if (part) parts.push(part);
      return combinedExposition(parts);
    },
  };
}
