/**
 * The consensus of other monitors per relay and each monitor's measured reliability (pure).
 *
 * A 30166 says "I saw this relay up at seen_at"; NIP-66 monitors publish nothing for a relay
 * they find down. So a monitor that is itself active (a verdict on any relay within its
 * freshness window, `freshness_periods` × its announced frequency) votes on every relay it
 * covers: up when its newest verdict on it is within the window, down when it is older. A
 * monitor with nothing recent votes on nothing.
 *
 * Votes are weighted by reliability; reliability is measured from agreement, leave-one-out
 * (a monitor's vote is compared with the verdict of the others, so it cannot vouch for itself)
 * and against our own checks, times how fresh the monitor is. A liar is found by that measure,
 * not by a list. A monitor's reliability is a moving average over cycles (half stored, half this
 * cycle's measure), so history counts; within a cycle, weights and consensus are refined over a
 * few rounds from the stored weights.
 */
import type { OwnVerdict, RelayConsensus } from "../../../core/db/peer-consensus.js";
import type { LatestVote, MonitorScore, MonitorWeight } from "../../../core/db/peer-verdicts.js";
import type { MonitorPeers } from "../config.js";

type Options = Pick<
  MonitorPeers,
  "freshness_periods" | "default_frequency" | "quorum" | "rtt_outlier_factor"
>;

/** Weight of a monitor never scored yet, and the floor of any weight. */
const NEW_WEIGHT = 0.5;
const MIN_WEIGHT = 0.01;
const ROUNDS = 3;

interface Vote {
  monitor: string;
  up: boolean;
  rttOpen: number | null;
}

interface Monitor {
  window: number;
  lastSeen: number;
  relays: number;
}

function monitorsOf(votes: readonly LatestVote[], weights: Map<string, MonitorWeight>, o: Options) {
  const monitors = new Map<string, Monitor>();
  for (const v of votes) {
    let m = monitors.get(v.monitor);
    if (m === undefined) {
      const frequency = weights.get(v.monitor)?.frequency ?? o.default_frequency;
      m = { window: frequency * o.freshness_periods, lastSeen: 0, relays: 0 };
      monitors.set(v.monitor, m);
    }
    m.lastSeen = Math.max(m.lastSeen, v.seenAt);
    m.relays++;
  }
  return monitors;
}

function votesByRelay(
  votes: readonly LatestVote[],
  monitors: Map<string, Monitor>,
  now: number,
): Map<string, Vote[]> {
  const byRelay = new Map<string, Vote[]>();
  for (const v of votes) {
    const m = monitors.get(v.monitor);
    if (m === undefined || now - m.lastSeen > m.window) continue;
    const up = now - v.seenAt <= m.window;
    const list = byRelay.get(v.relayUrl) ?? [];
    list.push({ monitor: v.monitor, up, rttOpen: up ? v.rttOpen : null });
    byRelay.set(v.relayUrl, list);
  }
  return byRelay;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : Math.round(((s[mid - 1] as number) + (s[mid] as number)) / 2);
}

function verdict(upW: number, downW: number, voters: number, quorum: number) {
  if (voters < quorum || upW === downW) return "unknown" as const;
  return upW > downW ? ("up" as const) : ("down" as const);
}

type Weigh = (monitor: string) => number;

/** The summed weight of the up votes and of the down votes. */
function sides(votes: readonly Vote[], weigh: Weigh): { upW: number; downW: number } {
  let upW = 0;
  let downW = 0;
  for (const v of votes) {
    if (v.up) upW += weigh(v.monitor);
    else downW += weigh(v.monitor);
  }
  return { upW, downW };
}

function relayConsensus(
  url: string,
  votes: Vote[],
  weigh: Weigh,
  own: OwnVerdict | undefined,
  o: Options,
): RelayConsensus {
  const { upW, downW } = sides(votes, weigh);
  const state = verdict(upW, downW, votes.length, o.quorum);
  const rtt = median(votes.flatMap((v) => (v.rttOpen === null ? [] : [v.rttOpen])));
  const f = o.rtt_outlier_factor;
  const outliers = votes
    .filter(
      (v) =>
        (state !== "unknown" && v.up !== (state === "up")) ||
        (rtt !== null && v.rttOpen !== null && (v.rttOpen > rtt * f || v.rttOpen * f < rtt)),
    )
    .map((v) => v.monitor)
    .sort();
  const ourState = own === undefined ? null : own.up ? "up" : "down";
  const disagreement =
    ourState === "down" && state === "up"
      ? "false_offline"
      : ourState === "up" && state === "down"
        ? "false_online"
        : null;
  return {
    relayUrl: url,
    state,
    monitors: votes.length,
    monitorsUp: votes.filter((v) => v.up).length,
    upWeight: upW,
    downWeight: downW,
    medianRttOpen: rtt,
    outliers,
    ourState,
    disagreement,
  };
}

class Tally {
  agree = 0;
  of = 0;
  add(same: boolean): void {
    this.of++;
    if (same) this.agree++;
  }
  get share(): number | null {
    return this.of === 0 ? null : this.agree / this.of;
  }
}

interface Tallies {
  peers: Tally;
  ours: Tally;
}

function tallyRelay(
  votes: Vote[],
  weigh: Weigh,
  own: OwnVerdict | undefined,
  o: Options,
  tallies: Map<string, Tallies>,
) {
  const { upW, downW } = sides(votes, weigh);
  for (const v of votes) {
    const t = tallies.get(v.monitor) ?? { peers: new Tally(), ours: new Tally() };
    tallies.set(v.monitor, t);
    const w = weigh(v.monitor);
    const others = verdict(
      upW - (v.up ? w : 0),
      downW - (v.up ? 0 : w),
      votes.length - 1,
      o.quorum,
    );
    if (others !== "unknown") t.peers.add(v.up === (others === "up"));
    if (own !== undefined) t.ours.add(v.up === own.up);
  }
}

/** Share of a new measure in a monitor's reliability; the rest is its stored reliability. */
const LEARNING_RATE = 0.5;

function score(
  monitor: string,
  m: Monitor,
  t: Tallies | undefined,
  now: number,
  prior: number | null | undefined,
): MonitorScore {
  const freshness = Math.min(1, m.window / Math.max(m.window, now - m.lastSeen));
  const consensusAgreement = t?.peers.share ?? null;
  const ourAgreement = t?.ours.share ?? null;
  const shares = [consensusAgreement, ourAgreement].filter((s): s is number => s !== null);
  const agreement = shares.length === 0 ? null : shares.reduce((a, b) => a + b, 0) / shares.length;
  return {
    monitor,
    lastVerdictAt: m.lastSeen,
    relays: m.relays,
    consensusAgreement,
    ourAgreement,
    freshness,
    reliability: blend(prior, agreement === null ? null : agreement * (0.5 + 0.5 * freshness)),
  };
}

/**
 * A moving average over cycles: history counts, so a burst of new pubkeys that agree with each
 * other cannot outvote monitors that have long agreed with the rest and with us.
 */
function blend(prior: number | null | undefined, measured: number | null): number | null {
  if (measured === null) return prior ?? null;
  if (prior === null || prior === undefined) return measured;
  return (1 - LEARNING_RATE) * prior + LEARNING_RATE * measured;
}

export interface ConsensusResult {
  relays: RelayConsensus[];
  monitors: MonitorScore[];
}

/** The consensus of every relay voted on and every monitor's score; see the module comment. */
export function computeConsensus(
  votes: readonly LatestVote[],
  stored: readonly MonitorWeight[],
  own: Map<string, OwnVerdict>,
  now: number,
  o: Options,
): ConsensusResult {
  const weights = new Map(stored.map((w) => [w.monitor, w]));
  const monitors = monitorsOf(votes, weights, o);
  const byRelay = votesByRelay(votes, monitors, now);
  const prior = new Map(stored.map((w) => [w.monitor, w.reliability]));
  const reliability = new Map(prior);
  const weigh: Weigh = (m) => Math.max(MIN_WEIGHT, reliability.get(m) ?? NEW_WEIGHT);
  let scores: MonitorScore[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const tallies = new Map<string, Tallies>();
    for (const [url, list] of byRelay) tallyRelay(list, weigh, own.get(url), o, tallies);
    scores = [...monitors].map(([id, m]) => score(id, m, tallies.get(id), now, prior.get(id)));
    for (const s of scores) if (s.reliability !== null) reliability.set(s.monitor, s.reliability);
  }
  const relays = [...byRelay].map(([url, list]) =>
    relayConsensus(url, list, weigh, own.get(url), o),
  );
  return { relays, monitors: scores };
}
