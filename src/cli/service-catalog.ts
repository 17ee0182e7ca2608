/**
 * The service commands as the CLI lists them (name, description, own flags), without loading
 * a single service: `bigbrotr status` or `--help` then starts in a fraction of the time that
 * importing every service, its protocol code and its dependencies takes. services.ts builds
 * the services themselves, and run.ts imports it only when a service is to run.
 */
import {
  API,
  DVM,
  FINDER,
  MONITOR,
  REFRESHER,
  RELAY,
  SEEDER,
  SYNCHRONIZER,
  VALIDATOR,
} from "../core/db/service-state/services.js";

/** A command-line option of one service's command (`bigbrotr synchronizer --relay URL`). */
export interface ServiceFlag {
  /** Commander syntax, e.g. "--relay <url>". */
  readonly flags: string;
  readonly description: string;
  /** The key commander gives it (camelCase of the long name). */
  readonly key: string;
}

export interface ServiceCommand {
  readonly name: string;
  readonly description: string;
  /** Runs a single cycle even under `bigbrotr up` (the seeder). */
  readonly oneShot: boolean;
  readonly flags: readonly ServiceFlag[];
  /**
   * V8's old-space limit (MB) of the service's process, as its compose service sets it
   * (NODE_OPTIONS --max-old-space-size): `bigbrotr up` runs such a service in a process of
   * its own with it (cli/service-process.ts). Without one, V8's default.
   */
  readonly heapMb?: number;
}

const relayFlag = (description: string): ServiceFlag => ({
  flags: "--relay <url>",
  description,
  key: "relay",
});

/** Every service, in pipeline order. */
export const SERVICE_COMMANDS: readonly ServiceCommand[] = [
  {
    name: SEEDER,
    description: "add the relays of a seed file as candidates (one-shot)",
    oneShot: true,
    flags: [],
  },
  {
    name: FINDER,
    description: "find relay URLs in archived events and HTTP JSON sources; add them as candidates",
    oneShot: false,
    flags: [],
  },
  {
    name: VALIDATOR,
    description: "probe candidates and promote those that answer like a Nostr relay",
    oneShot: false,
    flags: [],
  },
  {
    name: MONITOR,
    description: "check every relay (NIP-11, NIP-66), keep the results as history, publish NIP-66",
    oneShot: false,
    flags: [relayFlag("check this relay once, now (validated or not), print every result, exit")],
  },
  {
    name: SYNCHRONIZER,
    description: "archive the events of every relay, resumably, from a per-relay cursor",
    oneShot: false,
    flags: [relayFlag("sync only this relay")],
    // With V8's default limit (GBs) garbage piles up: RSS +33 % from 100k to 500k events of
    // one relay; with 256 MB it stays flat at the same speed (BENCHMARKS.md, "Synchronizer").
    heapMb: 256,
  },
  {
    name: REFRESHER,
    description: "bring the statistics up to date; delete orphan events and old check history",
    oneShot: false,
    flags: [],
  },
  {
    name: API,
    description: "serve the read API (/v1, /openapi.json, /docs) and the web explorer at /",
    oneShot: false,
    flags: [],
  },
  {
    name: RELAY,
    description: "serve the archive as a read-only Nostr relay (REQ, COUNT, NIP-77) over WebSocket",
    oneShot: false,
    flags: [],
  },
  {
    name: DVM,
    description: "answer NIP-90 jobs: event counts (5400) over the archive, relay queries (5304)",
    oneShot: false,
    flags: [],
  },
];
