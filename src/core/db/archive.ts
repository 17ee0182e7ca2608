import type { NostrEvent } from "../../models/event-types.js";
import type { Network } from "../../models/network.js";
import type { Relay } from "../../models/relay.js";
import type { ServiceState } from "../../models/service-state.js";
import { BrotrError } from "../errors.js";
import {
  lockSightingsShared,
  type SightingRow,
  uniqueSightings,
  writeSightings,
} from "./event-relays.js";
import {
  copyEvents,
  EVENT_COPY_THRESHOLD,
  prepareEvents,
  type RejectedEvent,
  unnestEvents,
} from "./events.js";
import type { Profile } from "./migrate.js";
import { RelayIdCache } from "./relays.js";
import { upsertServiceState } from "./service-state.js";
import { inTransaction, type TxCapable } from "./sql.js";

/** One sighting of an event on a relay, as the synchronizer collects them. */
export interface ArchiveItem {
  event: NostrEvent;
  relayUrl: string;
  network: Network;
  /** Unix seconds when the event was received from the relay. */
  seenAt: number;
}

interface ArchiveBaseOptions {
  profile: Profile;
  /** Batch sizes from which events / sightings go through COPY (defaults measured). */
  eventCopyThreshold?: number;
  eventRelayCopyThreshold?: number;
  /** The writer's relay id cache (one per long-lived writer; a fresh one otherwise). */
  relayIds?: RelayIdCache;
}

/**
 * Progress committed in the archive transaction itself (the synchronizer's per-relay
 * cursors), and whether that transaction may commit asynchronously.
 *
 * `asyncCommit` = `SET LOCAL synchronous_commit = off`: the commit returns before its WAL is
 * flushed, so a server crash can lose the last few hundred milliseconds of commits. That is
 * safe only because the cursor is in the same transaction: the batch and the cursor that
 * covers it are lost together, and the relay serves those events again. Everything else
 * (metadata, candidates, state written on its own) keeps synchronous commits, which is why
 * the option exists only here, beside the cursor.
 */
type ArchiveCursorOptions =
  | { cursor: readonly ServiceState[]; asyncCommit?: boolean }
  | { cursor?: undefined; asyncCommit?: false };

export type ArchiveOptions = ArchiveBaseOptions & ArchiveCursorOptions;

export interface ArchiveResult {
  /** New rows in each table. */
  events: number;
  eventRelays: number;
  relays: number;
  /** Events that cannot be stored; their sightings are dropped too. */
  rejected: RejectedEvent[];
}

/** Earliest seenAt of each event id among the items. */
function firstSeen(items: readonly ArchiveItem[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const i of items) {
    const seen = first.get(i.event.id);
    if (seen === undefined || i.seenAt < seen) first.set(i.event.id, i.seenAt);
  }
  return first;
}

/** Missing relays are inserted with discovered_at = their earliest sighting in the batch. */
function relaysOf(items: readonly ArchiveItem[]): Relay[] {
  const byUrl = new Map<string, Relay>();
  for (const i of items) {
    const r = byUrl.get(i.relayUrl);
    if (r === undefined || i.seenAt < r.discoveredAt) {
      byUrl.set(i.relayUrl, { url: i.relayUrl, network: i.network, discoveredAt: i.seenAt });
    }
  }
  return [...byUrl.values()];
}

function sightings(
  items: readonly ArchiveItem[],
  rejected: readonly RejectedEvent[],
  ids: ReadonlyMap<string, number>,
): SightingRow[] {
  const bad = new Set(rejected.map((r) => r.id));
  const rows: SightingRow[] = [];
  for (const i of items) {
    if (bad.has(i.event.id)) continue;
    const relayId = ids.get(i.relayUrl);
    if (relayId === undefined) throw new BrotrError(`no id resolved for relay ${i.relayUrl}`);
    rows.push({ eventId: i.event.id, relayId, seenAt: i.seenAt });
  }
  return uniqueSightings(rows);
}

/**
 * Archives sightings in one transaction, holding the sightings lock shared: missing relays
 * (their ids through the writer's cache), then events (first_seen_at = their earliest
 * sighting here), then event_relay rows, each ignoring what is already stored, then the
 * optional cursor. Rows are written in key order so concurrent archivers cannot deadlock.
 * A crash leaves all of it or none.
 */
export async function archiveEvents(
  db: TxCapable,
  items: readonly ArchiveItem[],
  options: ArchiveOptions,
): Promise<ArchiveResult> {
  if (options.asyncCommit && !options.cursor) {
    throw new BrotrError("asyncCommit is only allowed with a cursor in the same transaction");
  }
  const first = firstSeen(items);
  const { rows, rejected } = prepareEvents(
    items.map((i) => i.event),
    (id) => first.get(id) as number,
  );
  const cache = options.relayIds ?? new RelayIdCache();
  const eventThreshold = options.eventCopyThreshold ?? EVENT_COPY_THRESHOLD;
  return inTransaction(db, async (client) => {
    if (options.asyncCommit) await client.query("SET LOCAL synchronous_commit = off");
    await lockSightingsShared(client);
    const relays = await cache.resolve(client, relaysOf(items));
    const links = sightings(items, rejected, relays.ids);
    const events =
      rows.length >= eventThreshold
        ? await copyEvents(client, rows, options.profile)
        : await unnestEvents(client, rows, options.profile);
    const eventRelays = await writeSightings(client, links, options.eventRelayCopyThreshold);
    if (options.cursor) await upsertServiceState(client, options.cursor);
    return { events, eventRelays, relays: relays.inserted, rejected };
  });
}
