/**
 * A service of `bigbrotr up` that has a heap limit of its own (service-catalog.ts `heapMb`,
 * the synchronizer's 256 MB) runs as `bigbrotr <service>` in a child process started with
 * `--max-old-space-size`, as its compose service does, instead of sharing the heap of `up`
 * (V8's default of GBs, under which the synchronizer's garbage piles up). The child has its
 * own process group (a terminal's Ctrl-C reaches `up` only, which stops it with one SIGTERM),
 * reaches the database through the URL `up` gives it (the embedded server `up` started and
 * supervises), writes its logs to the same stdout, and serves its metrics through `up`'s
 * endpoint (child-metrics.ts: over the IPC channel, on no port of its own). A child that exits while `up`
 * runs is started again after a backoff (1 s doubling to 60 s, back to 1 s after a minute up);
 * one that exits with 2 (configuration) is not: `up` stops.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import type { BrotrConfig } from "../core/config/schemas.js";
import type { Logger } from "../core/logger.js";
import { sleep } from "../core/service.js";
import { type ChildMetrics, METRICS_VIA_UP } from "./child-metrics.js";
import { type Database, PACKAGE_ROOT } from "./context.js";
import { PORT_VARIABLES } from "./environment.js";
import type { RunRequest, Shutdown } from "./run-request.js";
import type { ServiceConfigFile } from "./service-files.js";
import type { ServiceEntry } from "./services.js";

const BACKOFF = { minMs: 1000, maxMs: 60_000, stableMs: 60_000 };
/** The exit code of a configuration error (main.ts): a restart does not mend it. */
const EXIT_CONFIG = 2;

export interface ServiceProcessEnv {
  request: RunRequest;
  configDir: string;
  brotr: BrotrConfig;
  db: Database;
  log: Logger;
  stop: AbortController;
  shutdown: Shutdown;
  /** Where `up` serves its children's metrics (when its metrics server runs). */
  metrics?: ChildMetrics;
}

/**
 * The services of `up` with a heap limit of their own, to run apart (those their config
 * enables), and the others' files, to run in this process.
 */
export function splitOwnProcesses(
  request: RunRequest,
  files: readonly ServiceConfigFile[],
  log: Logger,
): { inProcess: ServiceConfigFile[]; own: ServiceEntry[] } {
  const inProcess: ServiceConfigFile[] = [];
  const own: ServiceEntry[] = [];
  for (const file of files) {
    if (!request.together || file.entry.heapMb === undefined) inProcess.push(file);
    else if (file.config.enabled) own.push(file.entry);
    else log.info({ service: file.entry.name }, "service_disabled");
  }
  return { inProcess, own };
}

/** `bigbrotr <service>`'s node arguments: the heap limit first, then the run `up` was asked. */
function serviceProcessArgs(entry: ServiceEntry, env: ServiceProcessEnv): string[] {
  const { request } = env;
  return [
    `--max-old-space-size=${entry.heapMb}`,
    join(PACKAGE_ROOT, "bin", "bigbrotr.js"),
    entry.name,
    "--config-dir",
    env.configDir,
    ...(request.once ? ["--once"] : []),
    ...(request.logLevel ? ["--log-level", request.logLevel] : []),
    ...(request.logFormat ? ["--log-format", request.logFormat] : []),
  ];
}

/** Its environment: the database `up` opened, and its metrics served through `up`. */
function serviceProcessEnv(env: ServiceProcessEnv): NodeJS.ProcessEnv {
  const vars: NodeJS.ProcessEnv = { ...process.env };
  if (env.db.embedded) vars[env.brotr.database.url_env] = env.db.url;
  delete vars[PORT_VARIABLES.metrics];
  vars[METRICS_VIA_UP] = "1";
  return vars;
}

/** One child until it exits; SIGTERM when the run stops. */
function runChild(
  entry: ServiceEntry,
  env: ServiceProcessEnv,
  started: (child: ChildProcess) => void,
): Promise<number | null> {
  const child = spawn(process.execPath, serviceProcessArgs(entry, env), {
    env: serviceProcessEnv(env),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    detached: true,
  });
  started(child);
  env.metrics?.add(entry.name, child);
  env.log.info(
    { service: entry.name, pid: child.pid, heapMb: entry.heapMb },
    "service_process_started",
  );
  const onStop = () => child.kill("SIGTERM");
  env.stop.signal.addEventListener("abort", onStop, { once: true });
  return new Promise((resolve) => {
    const end = (code: number | null) => {
      env.stop.signal.removeEventListener("abort", onStop);
      env.metrics?.remove(child);
      resolve(code);
    };
    // Not started (spawn failed): no "close" may follow.
    child.once("error", (error) => {
      env.log.error({ service: entry.name, err: error }, "service_process_failed");
      end(null);
    });
    child.once("close", (code, signal) => {
      env.log.info({ service: entry.name, code, signal }, "service_process_exited");
      end(code);
    });
  });
}

/** Runs the service's process (restarted after a backoff) until `up` stops; true if it ended well. */
export async function runServiceProcess(
  entry: ServiceEntry,
  env: ServiceProcessEnv,
): Promise<boolean> {
  let current: ChildProcess | undefined;
  env.shutdown.onForcedExit(() => current?.kill("SIGKILL"));
  let delay = BACKOFF.minMs;
  while (!env.stop.signal.aborted) {
    const began = Date.now();
    const code = await runChild(entry, env, (child) => {
      current = child;
    });
    if (env.stop.signal.aborted || env.request.once) return code === 0;
    if (code === EXIT_CONFIG) {
      env.stop.abort();
      return false;
    }
    delay = Date.now() - began >= BACKOFF.stableMs ? BACKOFF.minMs : delay;
    env.log.warn({ service: entry.name, code, restartInMs: delay }, "service_process_restarting");
    await sleep(delay, env.stop.signal);
    delay = Math.min(delay * 2, BACKOFF.maxMs);
  }
  return true;
}
