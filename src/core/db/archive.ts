import type { EventRelay } from "../../models/event-relay.js";
import type { NostrEvent } from "../../models/event-types.js";
import type { Network } from "../../models/network.js";
import type { Relay } from "../../models/relay.js";
import {
  copyEventRelays,
  EVENT_RELAY_COPY_THRESHOLD,
  uniqueEventRelays,
  unnestEventRelays,
} from "./event-relays.js";
import {
  copyEvents,
  EVENT_COPY_THRESHOLD,
  prepareEvents,
  type RejectedEvent,
  unnestEvents,
} from "./events.js";
import type { Profile } from "./migrate.js";
import { insertRelays } from "./relays.js";
import { inTransaction, type TxCapable } from "./sql.js";

/** One sighting of an event on a relay, as the synchronizer collects them. */
export interface ArchiveItem {
  event: NostrEvent;
  relayUrl: string;
  network: Network;
  /** Unix seconds when the event was received from the relay. */
  seenAt: number;
}

export interface ArchiveOptions {
  profile: Profile;
  /** Batch sizes from which events / sightings go through COPY (defaults measured). */
  eventCopyThreshold?: number;
  eventRelayCopyThreshold?: number;
  /**
   * `SET LOCAL synchronous_commit = off` for this transaction: the commit returns before its
   * WAL is flushed. Safe for cursor-after-data callers: a crash loses only a suffix of the
   * commit order, so a cursor written later can never survive data it points past.
   */
  asyncCommit?: boolean;
}

export interface ArchiveResult {
  /** New rows in each table. */
  events: number;
  eventRelays: number;
  relays: number;
  /** Events that cannot be stored; their sightings are dropped too. */
  rejected: RejectedEvent[];
}

function sightings(
  items: readonly ArchiveItem[],
  rejected: readonly RejectedEvent[],
): EventRelay[] {
  const bad = new Set(rejected.map((r) => r.id));
  const rows: EventRelay[] = [];
  for (const i of items) {
    if (!bad.has(i.event.id))
      rows.push({ eventId: i.event.id, relayUrl: i.relayUrl, seenAt: i.seenAt });
  }
  return uniqueEventRelays(rows);
}

/**
 * Archives sightings in one transaction: missing relays (discovered_at = first seen_at),
 * then events, then event_relay rows, each ignoring what is already stored. Rows are written
 * in key order so concurrent archivers cannot deadlock on each other. A crash leaves either
 * all of it or none, so callers may write their cursor after this returns.
 */
export async function archiveEvents(
  db: TxCapable,
  items: readonly ArchiveItem[],
  options: ArchiveOptions,
): Promise<ArchiveResult> {
  const { rows, rejected } = prepareEvents(items.map((i) => i.event));
  const relays: Relay[] = items.map((i) => ({
    url: i.relayUrl,
    network: i.network,
    discoveredAt: i.seenAt,
  }));
  const links = sightings(items, rejected);
  const eventThreshold = options.eventCopyThreshold ?? EVENT_COPY_THRESHOLD;
  const linkThreshold = options.eventRelayCopyThreshold ?? EVENT_RELAY_COPY_THRESHOLD;
  return inTransaction(db, async (client) => {
    if (options.asyncCommit) await client.query("SET LOCAL synchronous_commit = off");
    const relayCount = await insertRelays(client, relays);
    const events =
      rows.length >= eventThreshold
        ? await copyEvents(client, rows, options.profile)
        : await unnestEvents(client, rows, options.profile);
    const eventRelays =
      links.length >= linkThreshold
        ? await copyEventRelays(client, links)
        : await unnestEventRelays(client, links);
    return { events, eventRelays, relays: relayCount, rejected };
  });
}
