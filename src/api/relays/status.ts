/** Whether a relay is up now: by its newest RTT check, if that check is recent enough. */
import type { RelaySummary } from "../../core/db/read/relay-summary.js";

export const RELAY_STATUSES = ["up", "down", "unknown"] as const;
export type RelayStatus = (typeof RELAY_STATUSES)[number];

/** up / down by the newest RTT check, unknown when there is none within `maxAge` seconds. */
export function relayStatus(r: RelaySummary, now: number, maxAge: number): RelayStatus {
  if (r.checkedAt === null || r.upAtCheck === null || r.checkedAt < now - maxAge) return "unknown";
  return r.upAtCheck ? "up" : "down";
}
