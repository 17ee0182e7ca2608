/**
 * Other NIP-66 monitors for the devnet (`bigbrotr devnet --monitors N`): N signed identities,
 * each with a 10166 announcement and a 30166 per relay it says it saw up, so the monitor's
 * peers phase runs offline. Roles, by index: 0 lies about everything (every relay's state
 * flipped, absurd RTTs, invented NIPs), 1 is stale (checked everything days ago), 2 is wrong
 * about a quarter of the relays; the rest are honest. NIP-66 monitors publish nothing for a relay
 * they find down, so "down" is a last sighting older than the monitor's freshness window.
 */
import type { Nostr } from "nostr-wasm";
import type { NostrEvent } from "../models/event-types.js";
import { type FakeUser, makeUserWith } from "./fake-user.js";
import { createPrng } from "./prng.js";

export type MonitorRole = "liar" | "stale" | "wrong" | "honest";

export interface SimulatedRelay {
  url: string;
  /** The truth: whether the relay accepts connections. */
  up: boolean;
}

export interface SimulatedMonitor {
  pubkey: string;
  role: MonitorRole;
}

export interface SimulatedMonitors {
  monitors: SimulatedMonitor[];
  events: NostrEvent[];
}

const FREQUENCY = 3600;
const DAY = 86_400;

export function roleOf(index: number, count: number): MonitorRole {
  if (index === 0) return "liar";
  if (index === 1 && count >= 4) return "stale";
  if (index === 2 && count >= 5) return "wrong";
  return "honest";
}

function announcement(user: FakeUser, now: number): NostrEvent {
  return user.sign({
    kind: 10166,
    created_at: now - 60,
    content: "",
    tags: [
      ["frequency", String(FREQUENCY)],
      ["timeout", "open", "5000"],
      ["c", "open"],
      ["c", "read"],
      ["n", "clearnet"],
      ["g", "u0yjj"],
    ],
  });
}

function verdict(user: FakeUser, url: string, at: number, rtt: number, nips: string[]) {
  const tags = [
    ["d", url],
    ["rtt-open", String(rtt)],
    ["n", "clearnet"],
  ];
  for (const nip of nips) tags.push(["N", nip]);
  return user.sign({ kind: 30166, created_at: at, content: "", tags });
}

/** What one monitor publishes about `relays` as of `now`; see the module comment. */
function monitorEvents(
  user: FakeUser,
  role: MonitorRole,
  relays: readonly SimulatedRelay[],
  now: number,
  seed: number,
): NostrEvent[] {
  const prng = createPrng(seed);
  const shift = role === "stale" ? 3 * DAY : 0;
  const events = [announcement(user, now - shift)];
  for (const relay of relays) {
    const flipped = role === "liar" || (role === "wrong" && prng.chance(0.25));
    const saysUp = flipped ? !relay.up : relay.up;
    const at = (saysUp ? now - prng.int(30, FREQUENCY / 2) : now - 2 * DAY) - shift;
    const rtt = role === "liar" ? prng.int(1, 3) * 40_000 : prng.int(40, 160);
    const nips = role === "liar" ? ["4", "96", "666"] : ["1", "11"];
    events.push(verdict(user, relay.url, at, rtt, nips));
  }
  return events;
}

/** `count` simulated monitors' events about `relays`, deterministic for a seed. */
export function simulateMonitors(
  wasm: Nostr,
  relays: readonly SimulatedRelay[],
  options: { count: number; now: number; seed: number },
): SimulatedMonitors {
  const monitors: SimulatedMonitor[] = [];
  const events: NostrEvent[] = [];
  for (let i = 0; i < options.count; i++) {
    const user = makeUserWith(wasm, `devnet-monitor:${options.seed}:${i}`);
    const role = roleOf(i, options.count);
    monitors.push({ pubkey: user.pubkey, role });
    events.push(...monitorEvents(user, role, relays, options.now, options.seed * 1000 + i));
  }
  return { monitors, events };
}
