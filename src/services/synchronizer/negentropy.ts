/**
 * The synchronizer's NIP-77 path. Our side of each reconciliation is what we have seen on
 * that relay for the filter and window (core/db/sighted.ts); a window holding more of
 * those than `max_records` (or than the relay accepts) is halved. Of the ids the relay has
 * and we lack there, those already archived (seen on another relay) only get a sighting;
 * the rest are fetched by id in batches, checked by the relay client and the verifier, and
 * stored through the writer. Ids we have and the relay lacks are counted. After each window
 * the cursor moves to its end (committed after its data, as on the REQ path); recorded gaps
 * in it are dropped only when everything the relay listed was obtained.
 */
import { insertEventRelays } from "../../core/db/event-relays.js";
import { storedEventIds } from "../../core/db/read/events.js";
import { cursorRow } from "../../core/db/service-state/sync-cursor.js";
import { sightedRecords } from "../../core/db/sighted.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import type { RelayClient } from "../../nips/nip01/index.js";
import {
  type NegSyncResult,
  NegTooManyRecordsError,
  negentropySync,
  RecordSet,
} from "../../nips/nip77/index.js";
import type { RelayRun } from "./relay-run.js";

export interface NegSettings {
  /** Our records per session; a window holding more is halved. */
  maxRecords: number;
  /** Our messages' size limit, bytes before hex. */
  frameSize: number;
  /** Ids per REQ when fetching what we lack. */
  idsPerRequest: number;
  /** Max wait for the first answer while NIP-77 support is unknown, and for later answers. */
  probeTimeoutMs: number;
  timeoutMs: number;
  /** An empty local set is filled by REQ windows ("req") or by reconciliation too. */
  firstFill: "req" | "negentropy";
}

/** A relay run's NIP-77 part: its connection and settings, on top of the run itself. */
export interface NegSession {
  run: RelayRun;
  client: RelayClient;
  settings: NegSettings;
  /** True until the relay first answered: the first session waits only the probe timeout. */
  probing: boolean;
}

/** Room left in a relay's max_message_length for the NEG-MSG envelope around the hex. */
const NEG_ENVELOPE = 200;

/** The run's NIP-77 session on `client`. */
export function negSession(run: RelayRun, client: RelayClient): NegSession {
  const n = run.cycle.processing.negentropy;
  // The relay's frame limit, when its NIP-11 gives one: hex doubles our bytes.
  const max = run.relay.nip11MaxMessage;
  const fits = max !== null && max > 0 ? Math.floor((max - NEG_ENVELOPE) / 2) : n.frame_size;
  const page = run.cursor.pageSize;
  const settings: NegSettings = {
    maxRecords: n.max_records,
    // (negentropySync raises a limit below the protocol's 4,096 to it)
    frameSize: Math.min(n.frame_size, fits),
    // No more ids per request than the relay was seen to return at once.
    idsPerRequest: page > 0 ? Math.min(n.ids_per_request, page) : n.ids_per_request,
    probeTimeoutMs: n.probe_timeout * 1000,
    timeoutMs: run.settings.timeouts.idle * 1000,
    firstFill: n.first_fill,
  };
  return { run, client, settings, probing: run.choice.probe };
}

/** Ids checked against the archive per query. */
const LOOKUP_BATCH = 1000;

/** Gets what we lack: a sighting for archived ids, a fetch by id for the rest. */
async function obtain(n: NegSession, window: Filter, ids: readonly string[]): Promise<number> {
  const { cycle, relay, report } = n.run;
  let obtained = 0;
  for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
    const chunk = ids.slice(i, i + LOOKUP_BATCH);
    const stored = await storedEventIds(cycle.db, chunk);
    if (stored.size > 0) {
      const seenAt = cycle.now();
      const rows = [...stored].map((eventId) => ({ eventId, relayUrl: relay.url, seenAt }));
      await insertEventRelays(cycle.db, rows);
      report.negentropy.sightedOnly += stored.size;
      obtained += stored.size;
    }
    const missing = chunk.filter((id) => !stored.has(id));
    for (let k = 0; k < missing.length; k += n.settings.idsPerRequest) {
      obtained += await fetchByIds(n, window, missing.slice(k, k + n.settings.idsPerRequest));
    }
  }
  return obtained;
}

/**
 * REQs for `ids` within the window's filter until all came or one brings nothing new (a
 * relay clamps its answers to its own page size); returns how many distinct ids came.
 */
async function fetchByIds(n: NegSession, window: Filter, ids: string[]): Promise<number> {
  const { cycle, report, signal, toItem } = n.run;
  const wanted = new Set(ids);
  let delivered = 0;
  while (wanted.size > 0) {
    const events: NostrEvent[] = [];
    report.negentropy.requests++;
    const req = n.client.req([{ ...window, ids: [...wanted] }], { verify: cycle.verify, signal });
    for await (const event of req) if (wanted.delete(event.id)) events.push(event);
    if (events.length === 0) break;
    await cycle.writer.add(events.map(toItem));
    delivered += events.length;
  }
  report.negentropy.fetched += delivered;
  report.negentropy.unfetched += wanted.size;
  return delivered;
}

export interface WindowOutcome extends NegSyncResult {
  /** Every id the relay had and we lacked was obtained (the sets match once written). */
  complete: boolean;
}

/** Reconciles one window given our records of it. */
async function reconcile(
  n: NegSession,
  filter: Filter,
  since: number,
  until: number,
  records: RecordSet,
  /** false for a confirming second pass: its findings were counted by the first. */
  tally = true,
): Promise<WindowOutcome> {
  const window = { ...filter, since, until };
  let obtained = 0;
  const result = await negentropySync(n.client, {
    filter: window,
    records,
    frameSizeLimit: n.settings.frameSize,
    openTimeoutMs: n.probing ? n.settings.probeTimeoutMs : n.settings.timeoutMs,
    timeoutMs: n.settings.timeoutMs,
    signal: n.run.signal,
    onDiff: async (diff) => {
      obtained += await obtain(n, window, diff.need);
    },
  });
  n.probing = false;
  const counts = n.run.report.negentropy;
  counts.sessions++;
  counts.rounds += result.rounds;
  if (tally) counts.relayLacks += result.have;
  counts.needed += result.need;
  return { ...result, complete: obtained === result.need };
}

/** Our records of the relay in [since, until], or null when there are more than `max`. */
async function localRecords(n: NegSession, filter: Filter, since: number, until: number) {
  const max = n.settings.maxRecords;
  const rows = await sightedRecords(n.run.cycle.db, {
    relayUrl: n.run.relay.url,
    since,
    until,
    filter,
    limit: max + 1,
  });
  if (rows.length > max) return null;
  return RecordSet.from(rows.map((r) => ({ timestamp: r.createdAt, id: r.id })));
}

export interface NegWalk {
  /** Where the REQ path takes over (end + 1 when negentropy covered everything). */
  low: number;
  /** Stopped at once: we hold nothing of this relay and first fill goes by REQ. */
  firstFill: boolean;
}

/**
 * Reconciles [low, end] in as few windows as fit; `progress.low` follows the cursor, so a
 * caller whose walk failed knows where the REQ path must start.
 */
export async function walkNegentropy(
  n: NegSession,
  range: { low: number; end: number },
  progress: { low: number },
): Promise<NegWalk> {
  const { cursor, deadline, relay, signal, cycle } = n.run;
  const filter = n.run.settings.filter;
  const { end } = range;
  progress.low = range.low;
  // Seconds a window may span beyond its start; shrinks when the relay refuses a window.
  let width = Number.POSITIVE_INFINITY;
  let lacks = 0;
  let first = true;
  while (progress.low <= end && Date.now() < deadline && !signal.aborted) {
    const low = progress.low;
    let high = Math.min(end, low + width);
    let records = await localRecords(n, filter, low, high);
    while (records === null && high > low) {
      high = low + Math.floor((high - low) / 2);
      records = await localRecords(n, filter, low, high);
    }
    // One second holding more than we reconcile at once: REQ windows take it from here.
    if (records === null) return { low, firstFill: false };
    const neverSynced = cursor.until < 0;
    if (first && neverSynced && records.size === 0 && n.settings.firstFill === "req") {
      return { low, firstFill: true };
    }
    first = false;
    let outcome: WindowOutcome;
    try {
      outcome = await reconcile(n, filter, low, high, records);
    } catch (error) {
      if (!(error instanceof NegTooManyRecordsError) || high === low) throw error;
      width = Math.floor((high - low) / 2);
      continue;
    }
    lacks += outcome.have;
    if (outcome.complete) {
      cursor.gaps = cursor.gaps.filter((g) => g.until < low || g.since > high);
    }
    cursor.until = Math.max(cursor.until, high);
    cursor.relayLacks = lacks;
    cycle.writer.setCursor(cursorRow(relay.url, cursor));
    progress.low = high + 1;
  }
  return { low: progress.low, firstFill: false };
}

/**
 * Recorded gaps (the oldest `max`), reconciled by id: everything the relay lists that we
 * lack is obtained, written, and the gap is dropped when a second reconciliation finds
 * nothing more (the relay has no event there that we lack).
 */
export async function closeGaps(n: NegSession, max: number): Promise<number> {
  const cursor = n.run.cursor;
  let closed = 0;
  const kept = cursor.gaps.slice(max);
  for (const gap of cursor.gaps.slice(0, max)) {
    const records = await localRecords(n, gap.filter, gap.since, gap.until);
    if (records === null) {
      kept.push(gap);
      continue;
    }
    const outcome = await reconcile(n, gap.filter, gap.since, gap.until, records);
    let confirmed = outcome.need === 0;
    if (!confirmed && outcome.complete) {
      await n.run.cycle.writer.flush();
      const after = await localRecords(n, gap.filter, gap.since, gap.until);
      if (after !== null) {
        const check = await reconcile(n, gap.filter, gap.since, gap.until, after, false);
        confirmed = check.need === 0;
      }
    }
    if (confirmed) closed++;
    else kept.push(gap);
  }
  cursor.gaps = kept;
  return closed;
}
