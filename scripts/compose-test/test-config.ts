import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";

type Yaml = Record<string, unknown>;

/**
 * What the test changes in a deployment's config, file by file: devnet relays live on a
 * private address, cycles come every minute (the least allowed) instead of every 5, the finder's HTTP sources and
 * the monitor's dns/geo/net checks (which look outside) are off, and the seeder reads the
 * devnet's seed file. Everything else is the deployment's own.
 */
const PATCHES: Record<string, Yaml> = {
  "brotr.yaml": { allow_private: true, networks: { clearnet: { timeout: 5 } } },
  "services/seeder.yaml": { seed: { file_path: "/app/compose-test/devnet-seeds.txt" } },
  "services/finder.yaml": { interval: 60, api: { enabled: false } },
  "services/validator.yaml": { interval: 60 },
  "services/monitor.yaml": {
    interval: 60,
    processing: {
      recheck_interval: 60,
      checks: { dns: { enabled: false }, geo: { enabled: false }, net: { enabled: false } },
    },
  },
  "services/synchronizer.yaml": {
    interval: 60,
    processing: { end_lag: 0, timeouts: { idle: 5, eose: 20, relay: 300 } },
  },
  "services/refresher.yaml": { interval: 60 },
};

function merge(target: Yaml, patch: Yaml): Yaml {
  const out: Yaml = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    const bothObjects =
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      typeof current === "object" &&
      current !== null &&
      !Array.isArray(current);
    out[key] = bothObjects ? merge(current as Yaml, value as Yaml) : value;
  }
  return out;
}

/** Copies deployments/<profile>/config to `dir` with the test's patches applied. */
export function writeTestConfig(deploymentDir: string, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(deploymentDir, "config"), dir, { recursive: true });
  for (const [file, patch] of Object.entries(PATCHES)) {
    const path = join(dir, file);
    const current = (parse(readFileSync(path, "utf8")) as Yaml | null) ?? {};
    writeFileSync(path, stringify(merge(current, patch)));
  }
}
