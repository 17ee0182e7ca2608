/** The live loop of a synchronizer run in-process, on a test context, until stopped. */
import type pg from "pg";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { createSynchronizer } from "../../../src/services/synchronizer/service.js";
import { createTestContext, type TestContext } from "../../support/service-context.js";
import { testSyncConfig } from "./helpers.js";

const brotr = parseConfig(
  brotrConfigSchema,
  { allow_private: true, networks: { clearnet: { timeout: 5, max_tasks: 4 } } },
  "test",
);

/** Live settings that react within a fraction of a second on loopback. */
export const FAST_LIVE = {
  refresh: 0.5,
  lease_ttl: 3,
  flush_ms: 50,
  reconnect_min: 0.1,
  reconnect_max: 1,
};

export interface LiveRun {
  t: TestContext;
  service: ReturnType<typeof createSynchronizer>;
  /** Stops the live loop (leases given back) and waits for it. */
  stop(): Promise<void>;
}

export function startLive(
  pool: pg.Pool,
  live: Record<string, unknown> = {},
  holder = "test:1:live",
  secretKey?: Uint8Array,
): LiveRun {
  const config = testSyncConfig({ live: { ...FAST_LIVE, ...live } });
  const deps = { brotr, ...(secretKey ? { secretKey } : {}) };
  const service = createSynchronizer(deps, config, { verifierThreads: 1, holder });
  const t = createTestContext(pool, { service: "synchronizer" });
  const running = service.background?.(t.ctx) ?? Promise.resolve();
  return {
    t,
    service,
    stop: async () => {
      t.abort();
      await running;
      await service.close?.();
    },
  };
}

/** Waits (polling) until `check` holds; fails after `ms` with what it last saw. */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  check: (v: T) => boolean,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: last ${String(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The sum of a metric's series with these labels (0 when absent). */
export async function metricSum(
  t: TestContext,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await t.registry.getSingleMetric(name)?.get();
  let sum = 0;
  for (const v of metric?.values ?? []) {
    if (Object.entries(labels).every(([k, x]) => v.labels[k] === x)) sum += v.value;
  }
  return sum;
}

export async function count(pool: pg.Pool, sql: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(sql);
  return rows[0]?.n ?? 0;
}

export async function addRelays(pool: pg.Pool, urls: readonly string[]): Promise<void> {
  await insertRelays(
    pool,
    urls.map((url) => ({ url, network: "clearnet" as const, discoveredAt: 1 })),
  );
}

/** Signed events dated within the last minute (the live subscriptions' range). */
export function recentEvents(count: number, seed: number): Promise<NostrEvent[]> {
  const now = Math.floor(Date.now() / 1000);
  return generateEvents({
    count,
    seed,
    startTime: now - 30,
    spanSeconds: 20,
    users: 30,
    kinds: [1],
  });
}

/** Waits until the live loop has `n` subscriptions open. */
export function untilOpen(live: LiveRun, n: number): Promise<number> {
  const open = () => metricSum(live.t, "brotr_synchronizer_live_subscriptions");
  return until(`${n} open subscriptions`, open, (k) => k >= n);
}
