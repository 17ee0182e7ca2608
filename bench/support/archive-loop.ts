import { performance } from "node:perf_hooks";
import type pg from "pg";
import { type ArchiveItem, type ArchiveResult, archiveEvents } from "../../src/core/db/archive.js";
import type { Profile } from "../../src/core/db/migrate.js";
import { RelayIdCache } from "../../src/core/db/relays.js";

export interface ArchiveLoopOptions {
  profile: Profile;
  /** Sightings per archiveEvents call. */
  batch: number;
  /** Concurrent archivers, each on its own connection. */
  archivers: number;
  /** Schema v2 with synchronous_commit off for the batch (shipped); false: synchronous. */
  asyncCommit: boolean;
  /** Another write path (bench:db's v1) instead of archiveEvents. */
  archive?: (slice: ArchiveItem[]) => Promise<Pick<ArchiveResult, "events" | "eventRelays">>;
}

export interface ArchiveLoopResult {
  seconds: number;
  /** New rows of event and event_relay. */
  events: number;
  sightings: number;
}

/**
 * bench:db's write loop: `archivers` workers take the next `batch` sightings in turn and
 * archive them with a per-archiver cursor in the batch's transaction, as the synchronizer
 * commits.
 */
export async function archiveLoop(
  pool: pg.Pool,
  items: readonly ArchiveItem[],
  options: ArchiveLoopOptions,
): Promise<ArchiveLoopResult> {
  const relayIds = new RelayIdCache();
  let events = 0;
  let sightings = 0;
  const archive = async (slice: ArchiveItem[], worker: number, batch: number) => {
    if (options.archive) return options.archive(slice);
    const cursor = [
      {
        serviceName: "bench",
        stateType: "cursor" as const,
        stateKey: `archiver-${worker}`,
        stateValue: { batch },
      },
    ];
    return archiveEvents(pool, slice, {
      profile: options.profile,
      relayIds,
      cursor,
      asyncCommit: options.asyncCommit,
    });
  };
  const start = performance.now();
  let next = 0;
  const worker = async (w: number) => {
    for (let i = next; i < items.length; i = next) {
      next += options.batch;
      const result = await archive(items.slice(i, i + options.batch), w, i);
      events += result.events;
      sightings += result.eventRelays;
    }
  };
  await Promise.all(Array.from({ length: options.archivers }, (_, w) => worker(w)));
  return { seconds: (performance.now() - start) / 1000, events, sightings };
}
