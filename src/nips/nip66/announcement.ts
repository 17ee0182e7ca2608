/**
 * The kind 10166 monitor announcement, as an unsigned template: how often each relay is
 * rechecked (`frequency`, seconds), the checks run with their timeouts (`timeout` name
 * first, as in the NIP's example, and `c`), the networks monitored (`n`) and optionally
 * where the monitor is (`g`). Tags: frequency, the timeouts, the checks, the networks, g;
 * checks in MONITOR_CHECKS order and networks in NETWORKS order, whatever order they come in.
 */
import { NETWORKS, type Network } from "../../models/network.js";
import type { EventTemplate } from "../../utils/keys.js";
import { MONITOR_ANNOUNCEMENT_KIND } from "./discovery-tags.js";

/** Lowercase check names of `c` and `timeout` tags (NIP-66's examples plus ours). */
export const MONITOR_CHECKS = [
  "open",
  "read",
  "write",
  "nip11",
  "ssl",
  "dns",
  "geo",
  "net",
  "http",
] as const;
export type MonitorCheck = (typeof MONITOR_CHECKS)[number];

export interface MonitorAnnouncementInput {
  /** Seconds between two checks of one relay. */
  frequencySeconds: number;
  /** Each check run, with its timeout in ms. */
  checks: readonly { check: MonitorCheck; timeoutMs: number }[];
  networks: readonly Network[];
  /** NIP-52 geohash of the monitor's location. */
  geohash?: string;
  /** Unix seconds. */
  createdAt: number;
}

const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

/** The 10166 template. Throws RangeError on a non-positive frequency or timeout (a bug). */
export function buildMonitorAnnouncement(input: MonitorAnnouncementInput): EventTemplate {
  if (!positiveInt(input.frequencySeconds)) {
    throw new RangeError(`frequency must be a positive integer, got ${input.frequencySeconds}`);
  }
  const timeouts = new Map<MonitorCheck, number>();
  for (const { check, timeoutMs } of input.checks) {
    if (!positiveInt(timeoutMs)) {
      throw new RangeError(`timeout of ${check} must be a positive integer, got ${timeoutMs}`);
    }
    timeouts.set(check, timeoutMs);
  }
  const checks = MONITOR_CHECKS.filter((c) => timeouts.has(c));
  const tags: string[][] = [
    ["frequency", String(input.frequencySeconds)],
    ...checks.map((c) => ["timeout", c, String(timeouts.get(c))]),
    ...checks.map((c) => ["c", c]),
    ...NETWORKS.filter((n) => input.networks.includes(n)).map((n) => ["n", n]),
  ];
  if (input.geohash !== undefined && input.geohash !== "") tags.push(["g", input.geohash]);
  return { kind: MONITOR_ANNOUNCEMENT_KIND, created_at: input.createdAt, tags, content: "" };
}
