import type { SyncProgress } from "../services/synchronizer/service.js";
import { plural } from "./plural.js";

const n = (v: number) => v.toLocaleString("en-US");

/**
 * The synchronizer's progress line (`bigbrotr synchronizer --once` on a terminal); the
 * progress writer (progress.ts) appends the events per second.
 */
export function formatSyncProgress(p: SyncProgress): string {
  return [
    `relays ${n(p.done)}/${n(p.relays)}`,
    `${plural(p.events, "event")} fetched`,
    `${n(p.stored)} stored`,
    `${n(p.invalid)} invalid`,
    plural(p.gaps, "gap"),
    `queue ${n(p.queued)}`,
  ].join(", ");
}
