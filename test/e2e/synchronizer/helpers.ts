import type { ChildProcess } from "node:child_process";
import type pg from "pg";
import { parseConfig } from "../../../src/core/config/load.js";
import {
  type SynchronizerConfig,
  synchronizerConfigSchema,
} from "../../../src/services/synchronizer/config.js";
import { startServiceProcess } from "../../support/service-process.js";

/** A synchronizer config for loopback tests (no readability check, no lag, no lookback). */
export function testSyncConfig(processing: Record<string, unknown> = {}): SynchronizerConfig {
  const defaults = {
    require_readable: false,
    end_lag: 0,
    lookback: 0,
    batch_size: 500,
    flush_ms: 50,
  };
  return parseConfig(
    synchronizerConfigSchema,
    { processing: { ...defaults, ...processing } },
    "test",
  );
}

/** Ids (hex) of the events archived as seen on `url`, sorted. */
export async function archivedOn(pool: pg.Pool, url: string): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT encode(er.event_id, 'hex') AS id FROM event_relay er JOIN relay r ON r.id = er.relay_id
     WHERE r.url = $1 ORDER BY 1`,
    [url],
  );
  return rows.map((r) => r.id);
}

/** `bigbrotr synchronizer --once --config <servicePath>` as a child process, without a key. */
export function startSynchronizer(
  configDir: string,
  servicePath: string,
  databaseUrl: string,
): ChildProcess {
  return startServiceProcess("synchronizer", configDir, servicePath, databaseUrl);
}

export { collectOutput } from "../../support/service-process.js";
