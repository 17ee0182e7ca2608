import { readlinkSync } from "node:fs";
import { hostname } from "node:os";
import type { BrotrConfig } from "../core/config/schemas.js";
import { leaseHolder } from "../core/db/leases.js";
import { DVM, MONITOR } from "../core/db/service-state/services.js";
import type { Logger } from "../core/logger.js";
import type { ServiceDeps } from "../core/service-deps.js";
import { secretKeyFromEnv } from "../utils/keys.js";
import { loadMonitorKey } from "../utils/monitor-key.js";
import type { RunRequest } from "./run-request.js";

/**
 * This process's host as lease holders name it: the host name and, on Linux, the pid
 * namespace, so two containers that share a host name (network_mode: host) but not their
 * pids never take each other's leases for a dead predecessor's (core/db/leases.ts).
 */
function processHost(): string {
  try {
    const ns = /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
    return ns === undefined ? hostname() : `${hostname()}/pidns-${ns}`;
  } catch {
    return hostname();
  }
}

/**
 * What every service gets besides its config. The Nostr key: from the variable named by
 * `nostr.private_key_env` when it is set (a malformed one is a ConfigError naming the
 * variable, never the value); when it is not and the monitor or the DVM runs, the monitor's own key,
 * generated once into the data folder (utils/monitor-key.ts), so publishing needs no setup.
 */
export async function buildDeps(
  brotr: BrotrConfig,
  request: Pick<RunRequest, "entries">,
  log: Logger,
): Promise<ServiceDeps> {
  // host:pid:random names this process among the replicas of a service (lease holder).
  const instanceId = leaseHolder(processHost());
  const envName = brotr.nostr.private_key_env;
  // The monitor and the DVM sign with the deployment's key (generated on first use).
  const secretKey = request.entries.some((e) => e.name === MONITOR || e.name === DVM)
    ? (
        await loadMonitorKey({
          envName,
          env: process.env,
          dataDir: brotr.database.embedded.data_dir,
          log,
        })
      ).secretKey
    : secretKeyFromEnv(process.env, envName, "nostr.private_key_env")?.secretKey;
  return { brotr, instanceId, ...(secretKey ? { secretKey } : {}) };
}
