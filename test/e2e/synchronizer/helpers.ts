import type { ChildProcess } from "node:child_process";
import type pg from "pg";
import { startServiceProcess } from "../../support/service-process.js";

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
