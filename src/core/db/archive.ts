import { BrotrError } from "../../models/errors.js";
import type { NostrEvent } from "../../models/event-types.js";
import type { Network } from "../../models/network.js";
import type { Relay } from "../../models/relay.js";
import type { ServiceState } from "../../models/service-state.js";
import { announceEvents } from "./event-feed.js";
import {
  lockSightingsShared,
  type SightingRow,
  writeNewSightings,
  writeSightings,
} from "./event-relays.js";
import {
  byTimeThenId,
  EVENT_COPY_THRESHOLD,
  type EventRow,
  prepareEvents,
  type RejectedEvent,
  writeEventsReturningNew,
} from "./events.js";
import type { Profile } from "./migrate.js";
import type { Db } from "./pool.js";
import { storedEventIds } from "./read/events.js";
import { RelayIdCache } from "./relays.js";
import { upsertServiceState } from "./service-state/rows.js";
import { exec } from "./sql.js";
import { transaction } from "./transaction.js";

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
  /**
   * Ids the caller believes archived already (a writer remembers what it committed): their
   * events are not sent again, only probed by id under the sightings lock. A belief that is
   * wrong (the event was deleted since) costs nothing but the probe: the event is written.
   */
  stored?: (id: string) => boolean;
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

/** The items of each event id, in input order. */
function byEvent(items: readonly ArchiveItem[]): Map<string, ArchiveItem[]> {
  const map = new Map<string, ArchiveItem[]>();
  for (const i of items) {
    const list = map.get(i.event.id);
    if (list) list.push(i);
    else map.set(i.event.id, [i]);
  }
  return map;
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

/**
 * The sightings of the stored rows (rejected events are not among them), first item of each
 * (event, relay) pair, in the rows' (created_at, id) order and by relay id within an event:
 * one deterministic lock order for every writer, built in one pass without sorting the batch.
 */
function sightings(
  rows: readonly EventRow[],
  items: ReadonlyMap<string, ArchiveItem[]>,
  ids: ReadonlyMap<string, number>,
): SightingRow[] {
  const out: SightingRow[] = [];
  for (const row of rows) {
    const eventId = row.event.id;
    const start = out.length;
    for (const i of items.get(eventId) ?? []) {
      const relayId = ids.get(i.relayUrl);
      if (relayId === undefined) throw new BrotrError(`no id resolved for relay ${i.relayUrl}`);
      let seen = false;
      for (let k = start; k < out.length && !seen; k++) seen = out[k]?.relayId === relayId;
      if (!seen) out.push({ eventId, relayId, seenAt: i.seenAt });
    }
    if (out.length - start > 1) {
      const mine = out.splice(start).sort((x, y) => x.relayId - y.relayId);
      for (const m of mine) out.push(m);
    }
  }
  return out;
}

/**
 * Archives sightings in one transaction, holding the sightings lock shared: missing relays
 * (their ids through the writer's cache), then events (stored_xid = this transaction), then
 * event_relay rows, each ignoring what is already stored, then the
 * optional cursor. Rows are written in key order so concurrent archivers cannot deadlock.
 * A crash leaves all of it or none.
 */
export async function archiveEvents(
  db: Db,
  items: readonly ArchiveItem[],
  options: ArchiveOptions,
): Promise<ArchiveResult> {
  if (options.asyncCommit && !options.cursor) {
    throw new BrotrError("asyncCommit is only allowed with a cursor in the same transaction");
  }
  const grouped = byEvent(items);
  const events = [...grouped.values()].map((list) => (list[0] as ArchiveItem).event);
  const believed = options.stored;
  const hinted = believed ? events.filter((e) => believed(e.id)) : [];
  const { rows, rejected } = prepareEvents(
    hinted.length > 0 ? events.filter((e) => !believed?.(e.id)) : events,
  );
  const cache = options.relayIds ?? new RelayIdCache();
  const eventThreshold = options.eventCopyThreshold ?? EVENT_COPY_THRESHOLD;
  return transaction(db, async (client) => {
    if (options.asyncCommit) await exec(client, "SET LOCAL synchronous_commit = off");
    await lockSightingsShared(client);
    const relays = await cache.resolve(client, relaysOf(items));
    // Under the shared lock no event can be deleted until commit: what the probe finds stays.
    const { toWrite, ordered, unstorable } = await withBelieved(client, rows, hinted);
    const links = sightings(ordered, grouped, relays.ids);
    const fresh = await writeEventsReturningNew(client, toWrite, options.profile, eventThreshold);
    // Live REQs of `bigbrotr relay` hear of the new events when this transaction commits.
    await announceEvents(client, fresh);
    // Sightings of events this transaction created cannot exist yet: straight COPY. The rest
    // (events already archived) go through the conflict-checking path.
    const known = links.filter((l) => !fresh.has(l.eventId));
    const created = known.length === links.length ? [] : links.filter((l) => fresh.has(l.eventId));
    const eventRelays =
      (await writeNewSightings(client, created)) +
      (await writeSightings(client, known, options.eventRelayCopyThreshold));
    if (options.cursor) await upsertServiceState(client, options.cursor);
    const all = unstorable.length > 0 ? [...rejected, ...unstorable] : rejected;
    return { events: fresh.size, eventRelays, relays: relays.inserted, rejected: all };
  });
}

/**
 * The rows to write and the rows whose sightings to write, in (created_at, id) order, when
 * some events are believed archived: those found by id are not written again; those not
 * found (deleted since) are prepared and written like the others.
 */
async function withBelieved(
  client: Db,
  rows: EventRow[],
  hinted: readonly NostrEvent[],
): Promise<{ toWrite: EventRow[]; ordered: EventRow[]; unstorable: RejectedEvent[] }> {
  if (hinted.length === 0) return { toWrite: rows, ordered: rows, unstorable: [] };
  const present = await storedEventIds(
    client,
    hinted.map((e) => e.id),
  );
  const missing = prepareEvents(hinted.filter((e) => !present.has(e.id)));
  const toWrite = missing.rows.length > 0 ? [...rows, ...missing.rows].sort(byTimeThenId) : rows;
  const ordered = [...toWrite];
  for (const event of hinted) {
    if (present.has(event.id)) ordered.push({ event, tagvaluesLiteral: "" });
  }
  ordered.sort(byTimeThenId);
  return { toWrite, ordered, unstorable: missing.rejected };
}
