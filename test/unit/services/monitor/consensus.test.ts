import { describe, expect, it } from "vitest";
import type { LatestVote, MonitorWeight } from "../../../../src/core/db/peer-verdicts.js";
import { computeConsensus } from "../../../../src/services/monitor/peers/consensus.js";

const NOW = 1_000_000;
const R = "wss://r.example.com";
const OTHER = "wss://other.example.com";
const OPTIONS = { freshness_periods: 2, default_frequency: 3600, quorum: 3, rtt_outlier_factor: 4 };

/** Monitor `m` last saw R up `ago` seconds ago (rtt), and OTHER up just now (so it is active). */
const vote = (m: string, ago: number, rtt = 100): LatestVote[] => [
  { relayUrl: R, monitor: m, seenAt: NOW - ago, rttOpen: rtt },
  { relayUrl: OTHER, monitor: m, seenAt: NOW - 60, rttOpen: 100 },
];
const weights = (w: Record<string, number | null>): MonitorWeight[] =>
  Object.entries(w).map(([monitor, reliability]) => ({ monitor, frequency: 3600, reliability }));
const of = (votes: LatestVote[], w: MonitorWeight[] = [], own = new Map()) =>
  computeConsensus(votes, w, own, NOW, OPTIONS).relays.find((r) => r.relayUrl === R);

describe("computeConsensus", () => {
  it("is unknown below the quorum", () => {
    expect(of([...vote("a", 60), ...vote("b", 60)])?.state).toBe("unknown");
  });

  it("calls a relay down when its monitors' last sightings are older than their window", () => {
    const r = of([...vote("a", 3 * 3600), ...vote("b", 3 * 3600), ...vote("c", 60)]);
    expect(r).toMatchObject({ state: "down", monitors: 3, monitorsUp: 1, outliers: ["c"] });
  });

  it("weighs votes by reliability: two trusted monitors outvote three distrusted ones", () => {
    const votes = ["a", "b", "x", "y", "z"].flatMap((m) => vote(m, "ab".includes(m) ? 60 : 9000));
    const w = weights({ a: 1, b: 1, x: 0.1, y: 0.1, z: 0.1 });
    expect(of(votes, w)?.state).toBe("up");
  });

  it("gives no vote to a monitor that published nothing recently", () => {
    const stale: LatestVote[] = [{ relayUrl: R, monitor: "s", seenAt: NOW - 86_400, rttOpen: 1 }];
    const r = of([...vote("a", 60), ...vote("b", 60), ...vote("c", 60), ...stale]);
    expect(r).toMatchObject({ state: "up", monitors: 3 });
  });

  it("takes the median RTT and flags an RTT far from it", () => {
    const r = of([
      ...vote("a", 60, 90),
      ...vote("b", 60, 110),
      ...vote("c", 60, 100),
      ...vote("d", 60, 5000),
    ]);
    expect(r).toMatchObject({ medianRttOpen: 105, outliers: ["d"] });
  });

  it("names the disagreement with our own verdict", () => {
    const up = [...vote("a", 60), ...vote("b", 60), ...vote("c", 60)];
    const down = of(up, [], new Map([[R, { up: false, checkedAt: NOW }]]));
    expect(down).toMatchObject({ ourState: "down", disagreement: "false_offline" });
    const agree = of(up, [], new Map([[R, { up: true, checkedAt: NOW }]]));
    expect(agree?.disagreement).toBeNull();
    const dead = ["a", "b", "c"].flatMap((m) => vote(m, 9000));
    const online = of(dead, [], new Map([[R, { up: true, checkedAt: NOW }]]));
    expect(online?.disagreement).toBe("false_online");
  });

  it("scores a monitor against the others (leave-one-out) and against us", () => {
    const votes = [...vote("a", 60), ...vote("b", 60), ...vote("c", 60), ...vote("liar", 9000)];
    const own = new Map([[R, { up: true, checkedAt: NOW }]]);
    const scores = computeConsensus(votes, [], own, NOW, OPTIONS).monitors;
    const liar = scores.find((s) => s.monitor === "liar");
    expect(liar).toMatchObject({ consensusAgreement: 0.5, ourAgreement: 0, freshness: 1 });
    const honest = scores.find((s) => s.monitor === "a");
    expect(honest).toMatchObject({ consensusAgreement: 1, ourAgreement: 1, reliability: 1 });
  });
});
