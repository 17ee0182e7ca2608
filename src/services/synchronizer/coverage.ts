/**
 * Coverage: how much of a relay we hold, measured at the end of its sync (at most once per
 * `coverage.interval`) and recorded as history (core/db/relay-coverage.ts). Our side is what
 * we hold as seen on the relay for the sync filter over [since, cursor]; the relay's side is
 * its NIP-45 COUNT for the same (count-windows.ts: clamped when capped), with its hll decoded
 * into an estimate of distinct authors; failing that, this cycle's NIP-77 differences over
 * the windows reconciled; failing both, "unknown" with the reason. Never a made-up number: a
 * count below what we already hold from the relay is flagged, not turned into a ratio.
 */
import {
  type CoverageMeasurement,
  lastCoverageAt,
  recordCoverage,
} from "../../core/db/relay-coverage.js";
import { sightedCount } from "../../core/db/sighted.js";
import { toError } from "../../models/errors.js";
import type { RelayClient } from "../../nips/nip01/index.js";
import { decodeHll, estimateHll } from "../../nips/nip45/index.js";
import { countWindows, type WindowCount } from "./count-windows.js";
import type { NegCounts, RelayRun } from "./relay-run.js";

/** The created_at range NIP-77 walked this cycle and its counts before the walk (gaps). */
export interface NegWindow {
  since: number;
  until: number;
  before: NegCounts;
}

type Draft = Omit<CoverageMeasurement, "relayUrl" | "measuredAt">;

const blank = (since: number, until: number, held: number): Draft => ({
  method: "unknown",
  since,
  until,
  held,
  relayCount: null,
  approximate: false,
  lowerBound: false,
  countRequests: 0,
  hllAuthors: null,
  hllError: null,
  authorsHeld: null,
  negNeed: null,
  negHave: null,
  negUnfetched: null,
  flag: null,
  reason: null,
});

/** What a COUNT walk says, against what we hold (`held` events of `authors` authors). */
function fromCount(d: Draft, c: WindowCount, authors: number): string[] {
  const notes: string[] = [];
  d.method = "count";
  d.relayCount = c.count;
  d.approximate = c.approximate;
  d.lowerBound = c.lowerBound;
  d.countRequests = c.requests;
  if (c.clamped) notes.push("the relay caps its counts: counted in clamped windows");
  if (c.lowerBound) notes.push(`${c.requests} COUNT requests left a window unchecked: at least`);
  if (c.ignoresBounds) {
    d.flag = "ignores_bounds";
    notes.push("the relay's count ignores since/until");
  } else if (!c.approximate && !c.lowerBound && c.count < d.held) {
    d.flag = "undercount";
    notes.push(`the relay counts ${c.count} but we already hold ${d.held} of its events`);
  }
  if (c.hll !== undefined) {
    const decoded = decodeHll(c.hll);
    if (decoded.ok) {
      const e = estimateHll(decoded.registers);
      d.hllAuthors = e.estimate;
      d.hllError = e.error;
      d.authorsHeld = authors;
    } else notes.push(`hll ignored: ${decoded.reason}`);
  }
  return notes;
}

/** This cycle's NIP-77 differences, when reconciliation ran. */
function fromNegentropy(run: RelayRun, d: Draft, before: NegCounts): void {
  const n = run.report.negentropy;
  d.negNeed = n.needed - before.needed;
  d.negHave = n.relayLacks - before.relayLacks;
  d.negUnfetched = n.unfetched - before.unfetched;
}

async function countPart(run: RelayRun, client: RelayClient, d: Draft, authors: number) {
  const c = run.cycle.processing.coverage;
  try {
    const walked = await countWindows(
      (filter) => client.count([filter], { timeoutMs: c.count_timeout * 1000, signal: run.signal }),
      run.settings.filter,
      { since: d.since, until: d.until },
      c.max_count_requests,
    );
    return fromCount(d, walked, authors);
  } catch (error) {
    return [`no NIP-45 count: ${toError(error).message}`];
  }
}

/** Measures and records the relay's coverage when it is due; never throws for the relay. */
export async function measureCoverage(
  run: RelayRun,
  client: RelayClient,
  neg: NegWindow | null,
): Promise<void> {
  const { cycle, relay, cursor, settings } = run;
  const c = cycle.processing.coverage;
  if (!c.enabled || run.signal.aborted) return;
  const now = cycle.now();
  const last = await lastCoverageAt(cycle.db, relay.url);
  if (last !== null && now - last < c.interval) return;
  await cycle.writer.flush();
  const since = cycle.processing.since;
  const until = cursor.until;
  const notes: string[] = [];
  let d = blank(since, Math.max(since, until), 0);
  if (until < since) notes.push("nothing of the relay synced yet");
  else if (!settings.filterSupported) notes.push("the sync filter cannot be counted on our side");
  else {
    const held = await sightedCount(cycle.db, {
      relayUrl: relay.url,
      since,
      until,
      filter: settings.filter,
    });
    d.held = held.events;
    notes.push(...(await countPart(run, client, d, held.authors)));
  }
  const reconciled = neg !== null && run.report.negentropy.sessions > neg.before.sessions;
  if (neg !== null && reconciled && neg.until >= neg.since) {
    fromNegentropy(run, d, neg.before);
    if (d.method === "unknown") d = await negentropyDraft(run, d, neg);
  }
  if (d.method === "unknown" && !reconciled) notes.push("no NIP-77 reconciliation this cycle");
  d.reason = notes.length > 0 ? notes.join("; ") : null;
  await recordCoverage(cycle.db, { relayUrl: relay.url, measuredAt: now, ...d });
}

/**
 * Coverage of the windows reconciled this cycle: the relay's set R is what we hold there now
 * (after fetching what we lacked) less what it lacks, plus what it listed and did not deliver.
 */
async function negentropyDraft(run: RelayRun, d: Draft, neg: NegWindow): Promise<Draft> {
  const { cycle, relay, settings } = run;
  const { since, until } = neg;
  const held = await sightedCount(cycle.db, {
    relayUrl: relay.url,
    since,
    until,
    filter: settings.filter,
  });
  const have = d.negHave ?? 0;
  const unfetched = d.negUnfetched ?? 0;
  const relayCount = Math.max(0, held.events - have + unfetched);
  return {
    ...d,
    method: "negentropy",
    since: neg.since,
    until: neg.until,
    held: relayCount - unfetched,
    relayCount,
  };
}
