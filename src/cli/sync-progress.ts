import type { SyncProgress } from "../services/synchronizer/service.js";

const n = (v: number) => v.toLocaleString("en-US");

/**
 * The synchronizer's progress line (`bigbrotr synchronizer --once` on a terminal); the
 * progress writer (progress.ts) appends the events per second.
 */
export function formatSyncProgress(p: SyncProgress): string {
  return [
    `relays ${n(p.done)}/${n(p.relays)}`,
    `${n(p.events)} events fetched`,
    `${n(p.stored)} stored`,
    `${n(p.invalid)} invalid`,
    `${n(p.gaps)} gaps`,
    `queue ${n(p.queued)}`,
  ].join(", ");
}
