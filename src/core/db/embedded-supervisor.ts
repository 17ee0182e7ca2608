/**
 * Keeps the embedded server this process started running: checks its postmaster every
 * `pollMs`; when it is gone (killed, crashed, stopped by hand) logs `embedded_database_down`
 * once, starts it again on the same data folder and port, and logs `embedded_database_restarted`
 * when it is back. A restart that fails is tried again after a doubling wait (bounded); after
 * `maxRestartFailures` failures in a row it gives up and calls `onGiveUp`, so the process can
 * exit non-zero and an outer supervisor (systemd, Docker, Kubernetes) take over.
 */
import { setTimeout as delay } from "node:timers/promises";
import { toError } from "../../models/errors.js";
import type { Logger } from "../logger.js";
import type { EmbeddedPostgres } from "./embedded.js";

export interface EmbeddedSupervisorOptions {
  log: Logger;
  /** Called once when the server could not be restarted. */
  onGiveUp(): void;
  /** How often the postmaster is checked (ms; default 2000). */
  pollMs?: number;
  /** Restarts failed in a row before giving up (default 5). */
  maxRestartFailures?: number;
  /** Wait before the first restart (ms; default 1000), doubled after each failure... */
  backoffMs?: number;
  /** ...up to this (ms; default 30000). */
  maxBackoffMs?: number;
}

export interface EmbeddedSupervisor {
  /** Stops watching; waits for a restart in progress to end. */
  stop(): Promise<void>;
}

/** Resolves after `ms`, or at once when the signal aborts. */
const pause = (ms: number, signal: AbortSignal) =>
  delay(ms, undefined, { signal }).catch(() => undefined);

export function superviseEmbedded(
  server: EmbeddedPostgres,
  options: EmbeddedSupervisorOptions,
): EmbeddedSupervisor {
  const { log } = options;
  const pollMs = options.pollMs ?? 2000;
  const maxFailures = options.maxRestartFailures ?? 5;
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const stopping = new AbortController();
  const { signal } = stopping;

  /** Restarts the server; false when it gave up (or was told to stop). */
  async function revive(): Promise<boolean> {
    const since = Date.now();
    log.warn({ port: server.port }, "embedded_database_down");
    for (let failures = 0; failures < maxFailures; ) {
      await pause(Math.min(backoffMs * 2 ** failures, maxBackoffMs), signal);
      if (signal.aborted) return false;
      try {
        await server.restart();
        log.info({ downMs: Date.now() - since, failures }, "embedded_database_restarted");
        return true;
      } catch (error) {
        failures += 1;
        log.warn({ failures, reason: toError(error).message }, "embedded_database_restart_failed");
      }
    }
    log.error({ failures: maxFailures, downMs: Date.now() - since }, "embedded_database_given_up");
    options.onGiveUp();
    return false;
  }

  const watching = (async () => {
    while (!signal.aborted) {
      await pause(pollMs, signal);
      if (signal.aborted || server.running()) continue;
      if (!(await revive())) return;
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await watching;
    },
  };
}
