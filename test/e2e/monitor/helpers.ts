import type pg from "pg";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import type { ServiceContext } from "../../../src/core/service.js";
import { checkRelayNow, type RelayCheckNow } from "../../../src/services/monitor/check-now.js";
import { monitorConfigSchema } from "../../../src/services/monitor/config.js";
import { createMonitor, type MonitorOptions } from "../../../src/services/monitor/service.js";

const brotrWith = (timeout: number) =>
  parseConfig(
    brotrConfigSchema,
    { allow_private: true, networks: { clearnet: { timeout, max_tasks: 20 } } },
    "test",
  );

/** A monitor with fast retries and no geo data (loopback is in none anyway); `timeout` in s. */
/** A monitor's deps, config and options as the tests run it (fast retries, no geo data). */
function monitorParts(
  processing: Record<string, unknown>,
  options: MonitorOptions,
  secretKey: Uint8Array | undefined,
  publishing: Record<string, unknown>,
  timeout: number,
) {
  const brotr = brotrWith(timeout);
  const fast = { retries: 0, initial_delay: 0, max_delay: 0, jitter: 0 };
  const checks = Object.fromEntries(
    ["nip11", "rtt", "ssl", "dns", "geo", "net", "http"].map((c) => [c, { retry: fast }]),
  );
  const config = parseConfig(
    monitorConfigSchema,
    {
      processing: { ...processing, checks: { ...checks, ...(processing.checks as object) } },
      publishing,
    },
    "test",
  );
  const deps = { brotr, ...(secretKey ? { secretKey } : {}) };
  return { deps, config, options: { geo: null, asn: null, ...options } };
}

export function monitor(
  processing: Record<string, unknown> = {},
  options: MonitorOptions = {},
  secretKey?: Uint8Array,
  publishing: Record<string, unknown> = {},
  timeout = 2,
) {
  const parts = monitorParts(processing, options, secretKey, publishing, timeout);
  return createMonitor(parts.deps, parts.config, parts.options);
}

/** `bigbrotr monitor --relay URL`: one relay checked now, stored when it is an archived relay. */
export function checkNow(
  ctx: ServiceContext,
  url: string,
  secretKey?: Uint8Array,
  timeout = 2,
): Promise<RelayCheckNow> {
  const parts = monitorParts({}, {}, secretKey, {}, timeout);
  return checkRelayNow(parts.deps, parts.config, ctx, { url, network: "clearnet" }, parts.options);
}

export interface HistoryRow {
  url: string;
  type: string;
  generatedAt: number;
  doc: { data?: Record<string, unknown>; logs?: Record<string, unknown> };
}

/** Every history row with its document, by relay URL, type and time. */
export async function history(pool: pg.Pool, type?: string): Promise<HistoryRow[]> {
  const { rows } = await pool.query<{
    url: string;
    type: string;
    generated_at: string;
    data: HistoryRow["doc"];
  }>(
    `SELECT r.url, rm.metadata_type AS type, rm.generated_at, m.data
     FROM relay_metadata rm JOIN relay r ON r.id = rm.relay_id
     JOIN metadata m ON m.id = rm.metadata_id AND m.type = rm.metadata_type
     WHERE $1::text IS NULL OR rm.metadata_type = $1
     ORDER BY 1, 2, 3`,
    [type ?? null],
  );
  return rows.map((r) => ({
    url: r.url,
    type: r.type,
    generatedAt: Number(r.generated_at),
    doc: r.data,
  }));
}

/** The monitor's checkpoints: relay URL → unix seconds of its last check. */
export async function checkpoints(pool: pg.Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ state_key: string; t: string }>(
    `SELECT state_key, state_value ->> 'timestamp' AS t FROM service_state
     WHERE service_name = 'monitor' AND state_type = 'checkpoint' AND state_key LIKE 'ws%'`,
  );
  return new Map(rows.map((r) => [r.state_key, Number(r.t)]));
}
