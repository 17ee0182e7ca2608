import type { GlobalOptions } from "./context.js";
import type { ServiceEntry } from "./services.js";

/** What `bigbrotr up` and `bigbrotr <service>` ask of the runner (runner.ts). */
export interface RunRequest extends GlobalOptions {
  entries: readonly ServiceEntry[];
  once: boolean;
  /** Explicit service config file (single-service runs only). */
  configPath?: string;
  /** `bigbrotr up`: skip disabled services, one metrics server, one failure stops all. */
  together: boolean;
  /** A single service's own command-line options (`--relay` of the synchronizer). */
  serviceFlags?: Readonly<Record<string, string>>;
}

/** What main.ts gives the runner: the shutdown signal and a hook for a forced exit. */
export interface Shutdown {
  signal: AbortSignal;
  onForcedExit(fn: () => void): void;
}
