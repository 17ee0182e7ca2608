/**
 * One relay, one cycle, from its cursor (less the lookback) to now − end_lag. Where the
 * relay speaks NIP-77 (path.ts decides and remembers why), recorded gaps and the range are
 * reconciled by id (negentropy.ts); REQ windows cover the rest: everything on other relays,
 * a relay we hold nothing of yet, or what is left after negentropy failed mid-way (on a new
 * connection when the old one dropped). REQ windows grow while they are cheap and shrink
 * while they are busy; each is walked completely (window.ts), its events handed to the
 * writer as they arrive. The cursor moves to a window's end only after it is complete and
 * is committed with (never before) the window's last sighting.
 */
import { proxyOf } from "../../core/config/proxy.js";
import { cursorRow, type SyncCandidate } from "../../core/db/service-state/sync-cursor.js";
import { connectRelay, type RelayClient, type RelayStats } from "../../nips/nip01/index.js";
import { measureCoverage, type NegWindow } from "./coverage.js";
import { closeGaps, negSession, walkNegentropy } from "./negentropy.js";
import { failurePath } from "./path.js";
import { relayPages } from "./relay-pages.js";
import {
  GAP_RETRIES,
  type RelayBudget,
  type RelayRun,
  type RelaySyncReport,
  relayBudget,
  type SyncCycle,
  startRun,
} from "./relay-run.js";
import { retryGaps, walkRequests } from "./req-path.js";

/** A connection to the relay within its budget (its timeouts, its signal). */
async function connect(cycle: SyncCycle, relay: SyncCandidate, budget: RelayBudget) {
  const { deps, processing } = cycle;
  const { timeouts } = budget.settings;
  const net = deps.brotr.networks[relay.network];
  return connectRelay(relay.url, {
    network: relay.network,
    timeoutMs: net.timeout * 1000,
    allowPrivate: deps.brotr.allow_private,
    allowInsecure: processing.allow_insecure,
    idleTimeoutMs: timeouts.idle * 1000,
    eoseTimeoutMs: timeouts.eose * 1000,
    signal: budget.signal,
    ...proxyOf(deps.brotr.networks, relay.network),
    ...(cycle.resolver ? { resolver: cycle.resolver } : {}),
    ...(deps.secretKey ? { auth: { secretKey: deps.secretKey } } : {}),
  });
}

/** Counters of several connections to one relay added up (peakQueued: the largest). */
function sumStats(all: readonly RelayStats[]): RelayStats {
  const out = { ...(all[0] as RelayStats) };
  for (const s of all.slice(1)) {
    for (const key of Object.keys(out) as (keyof RelayStats)[]) {
      out[key] = key === "peakQueued" ? Math.max(out[key], s[key]) : out[key] + s[key];
    }
  }
  return out;
}

/**
 * The NIP-77 part of a relay's cycle; returns where REQ windows take over, and whether the
 * recorded gaps were handled. A failure that says something about the path (errors of the
 * relay, not of the database) is recorded and ends it: REQ windows go on from the cursor.
 */
async function negentropyPart(
  run: RelayRun,
  client: RelayClient,
  range: { low: number; end: number },
): Promise<{ low: number; gapsDone: boolean; neg: NegWindow | null }> {
  const { cycle, cursor, report, choice } = run;
  const n = negSession(run, client);
  const progress = { low: range.low };
  let gapsDone = false;
  let before: NegWindow["before"] | null = null;
  const negWindow = () =>
    before === null ? null : { since: range.low, until: progress.low - 1, before };
  try {
    report.gapsClosed = await closeGaps(n, GAP_RETRIES);
    gapsDone = true;
    before = { ...report.negentropy };
    const walked = await walkNegentropy(n, range, progress);
    const at = cycle.now();
    if (walked.firstFill) {
      cursor.path = { path: "req", reason: "first-fill", detail: "nothing of it archived yet", at };
    } else if (report.negentropy.sessions > 0) {
      // Only a reconciliation that ran says the relay speaks NIP-77.
      const detail = choice.probe ? "the relay answered a NIP-77 probe" : choice.detail;
      cursor.path = { path: "negentropy", reason: choice.reason, detail, at };
    }
    return { low: walked.low, gapsDone, neg: negWindow() };
  } catch (error) {
    const failed = failurePath(error, cycle.now());
    if (failed === null) throw error;
    cursor.path = failed;
    report.fellBack = true;
    return { low: progress.low, gapsDone, neg: negWindow() };
  }
}

/** Where this cycle's walk of the relay starts and ends: cursor less lookback, to now − end_lag. */
function rangeOf(run: RelayRun): { low: number; end: number } {
  const p = run.cycle.processing;
  const end = Math.min(p.until ?? Number.POSITIVE_INFINITY, run.cycle.now() - p.end_lag);
  const until = run.cursor.until;
  return { low: until < 0 ? p.since : Math.max(p.since, until + 1 - p.lookback), end };
}

/** Syncs one relay; connection and relay errors are thrown (the caller records them). */
export async function syncRelay(cycle: SyncCycle, relay: SyncCandidate): Promise<RelaySyncReport> {
  const budget = relayBudget(cycle, relay.url);
  let client = await connect(cycle, relay, budget);
  const connections = [client.stats];
  const run = startRun(cycle, relay, budget, client.stats);
  const { cursor, report, choice } = run;
  try {
    let { low, end } = rangeOf(run);
    let gapsDone = false;
    let neg: NegWindow | null = null;
    if (choice.path === "negentropy") {
      ({ low, gapsDone, neg } = await negentropyPart(run, client, { low, end }));
      if (client.isClosed) {
        client = await connect(cycle, relay, budget);
        connections.push(client.stats);
      }
    } else cursor.path = report.path;
    report.path = cursor.path ?? report.path;
    const pages = relayPages(client, {
      verify: cycle.verify,
      ...(cycle.screen ? { screen: cycle.screen } : {}),
      signal: run.signal,
    });
    if (!gapsDone) await retryGaps(run, pages);
    low = await walkRequests(run, pages, { from: low, end });
    // Whatever ran, the path and the counts go with the next batch.
    cycle.writer.setCursor(cursorRow(relay.url, cursor));
    report.caughtUp = low > end;
    // On the connection the sync used (a closed one leaves the count unknown, with why).
    await measureCoverage(run, client, neg);
    return report;
  } finally {
    await client.close();
    report.stats = sumStats(connections);
  }
}
