/**
 * The soak's deployment config folder, written from deployments/devnet/config's choices: every
 * service on the devnet's loopback relays, a separate data folder, JSON logs, no metrics
 * servers (seven processes would fight over one port), the API on its own port.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface SoakConfigOptions {
  dir: string;
  dataDir: string;
  seedFile: string;
  apiPort: number;
  /** Seconds the synchronizer re-reads before each relay's cursor (late events). */
  lookback: number;
}

const brotr = (o: SoakConfigOptions) => `profile: bigbrotr
database:
  embedded: { data_dir: ${o.dataDir}, port: 54399 }
  partitions: 4
networks:
  clearnet: { enabled: true, max_tasks: 30, timeout: 5 }
allow_private: true
log: { level: info, format: json }
metrics: { enabled: false }
`;

const services = (o: SoakConfigOptions): Record<string, string> => ({
  seeder: `seed:\n  file_path: ${o.seedFile}\n  to_validate: true\n`,
  finder: "interval: 60\napi:\n  enabled: false\n",
  validator: "interval: 60\n",
  monitor: `interval: 60
processing:
  recheck_interval: 60
  chunk_size: 50
  checks:
    dns: { enabled: false }
    geo: { enabled: false }
    net: { enabled: false }
`,
  synchronizer: `interval: 60
processing:
  require_readable: false
  end_lag: 0
  lookback: ${o.lookback}
  timeouts: { idle: 5, eose: 20, relay: 60 }
`,
  refresher: "interval: 60\n",
  api: `statement_timeout: 5
server: { host: 127.0.0.1, port: ${o.apiPort}, explorer: false }
rate_limit: { enabled: false }
`,
});

/** Writes `<dir>/brotr.yaml` and `<dir>/services/*.yaml`. */
export async function writeSoakConfig(o: SoakConfigOptions): Promise<void> {
  await mkdir(join(o.dir, "services"), { recursive: true });
  await writeFile(join(o.dir, "brotr.yaml"), brotr(o));
  for (const [name, text] of Object.entries(services(o))) {
    await writeFile(join(o.dir, "services", `${name}.yaml`), text);
  }
}
