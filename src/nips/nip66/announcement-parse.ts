/**
 * Reads a kind 10166 monitor announcement. `timeout` is read in both orders seen in the
 * wild: name first (`["timeout","open","5000"]`, the NIP's example and ours) and ms first
 * (`["timeout","5000","open"]`, the NIP's prose); ms alone applies to every check. A
 * malformed tag is left out with a reason in `issues`; unknown tags are ignored. Never throws.
 */
import type { Network } from "../../models/network.js";
import { MONITOR_ANNOUNCEMENT_KIND } from "./discovery-tags.js";
import { addOnce, eventOfKind, isGeohash, isNetwork, parseUint, readTags } from "./tag-parse.js";

export interface MonitorTimeout {
  ms: number;
  /** The check it applies to; undefined = every check. */
  check?: string;
}

export interface MonitorAnnouncement {
  monitor: string;
  createdAt: number;
  /** Seconds between checks of one relay; undefined when absent or malformed. */
  frequency: number | undefined;
  timeouts: MonitorTimeout[];
  checks: string[];
  networks: Network[];
  geohashes: string[];
}

export type MonitorAnnouncementParse =
  | { ok: true; announcement: MonitorAnnouncement; issues: string[] }
  | { ok: false; reason: string };

const CHECK_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

function readTimeout(a: MonitorAnnouncement, first: string, second: string | undefined) {
  let timeout: MonitorTimeout;
  const firstMs = parseUint(first);
  if (firstMs !== null && second === undefined) timeout = { ms: firstMs };
  else if (firstMs !== null && second !== undefined && CHECK_NAME.test(second)) {
    timeout = { ms: firstMs, check: second };
  } else {
    const ms = second === undefined ? null : parseUint(second);
    if (ms === null || !CHECK_NAME.test(first)) return "neither [check, ms] nor [ms, check]";
    timeout = { ms, check: first };
  }
  if (a.timeouts.some((t) => t.check === timeout.check)) return "repeated (the first is kept)";
  a.timeouts.push(timeout);
  return null;
}

function readTag(a: MonitorAnnouncement, tag: readonly string[]): string | null {
  const [name, value] = tag;
  if (!["frequency", "timeout", "c", "n", "g"].includes(name ?? "")) return null;
  if (value === undefined || value === "") return "no value";
  switch (name) {
    case "frequency": {
      const seconds = parseUint(value);
      if (seconds === null || seconds === 0) return "not a positive number of seconds";
      if (a.frequency !== undefined) return "repeated (the first is kept)";
      a.frequency = seconds;
      return null;
    }
    case "timeout":
      return readTimeout(a, value, tag[2]);
    case "c":
      if (!CHECK_NAME.test(value)) return "not a lowercase check name";
      return addOnce(a.checks, value);
    case "n":
      if (!isNetwork(value)) return "unknown network";
      return addOnce(a.networks, value);
    default:
      if (!isGeohash(value)) return "not a geohash";
      return addOnce(a.geohashes, value);
  }
}

/**
 * Reads a 10166 event; see the module comment.
 */
export function parseMonitorAnnouncement(raw: unknown): MonitorAnnouncementParse {
  const event = eventOfKind(raw, MONITOR_ANNOUNCEMENT_KIND);
  if (typeof event === "string") return { ok: false, reason: event };
  const announcement: MonitorAnnouncement = {
    monitor: event.pubkey,
    createdAt: event.created_at,
    frequency: undefined,
    timeouts: [],
    checks: [],
    networks: [],
    geohashes: [],
  };
  const issues: string[] = [];
  readTags(event.tags, (tag) => readTag(announcement, tag), issues);
  if (announcement.frequency === undefined) issues.push("no valid frequency tag");
  return { ok: true, announcement, issues };
}
