import type { NostrEvent } from "../models/event-types.js";
import { generateEvents } from "./event-factory.js";
import { type FakeRelay, type FakeRelayOptions, startFakeRelay } from "./fake-relay.js";
import { createPrng, type Prng } from "./prng.js";

/** One misbehaviour of the mix: a name for tables and seed files, and the knobs it sets. */
export interface Misbehaviour {
  name: string;
  options: FakeRelayOptions;
}

/** Cycled through when a network asks for misbehaving relays. */
export const MISBEHAVIOURS: readonly Misbehaviour[] = [
  { name: "silent", options: { silent: true } },
  { name: "refuse", options: { refuse: true } },
  { name: "auth-required", options: { requireAuth: true } },
  { name: "no-eose", options: { noEose: true } },
  { name: "garbage-frames", options: { garbageFrames: true } },
  { name: "invalid-signatures", options: { invalidSignatures: true } },
  { name: "clamp-50", options: { maxLimit: 50 } },
  { name: "payment-required", options: { writeRefusal: "payment-required" } },
  { name: "pow-16", options: { minPowDifficulty: 16 } },
  { name: "writes-lost", options: { dropWrites: "unstored" } },
  { name: "auth-for-writes", options: { requireAuthForWrites: true } },
];

export interface FakeNetworkOptions {
  relays: number;
  events: number;
  /** 0..1: share of events also copied to other relays. */
  overlap: number;
  /** How many relays (the last ones) misbehave, cycling through MISBEHAVIOURS. */
  misbehaving?: number;
  seed?: number;
  /** 0 (default) = ephemeral ports; otherwise relay i listens on portBase + i. */
  portBase?: number;
  /** false = fake signatures (fast, for DB work); default true. */
  sign?: boolean;
  /** Knobs every relay gets (e.g. `tls`), under its misbehaviour's own. */
  relayOptions?: FakeRelayOptions;
}

export interface FakeNetwork {
  relays: FakeRelay[];
  /** Every generated event once, oldest first. */
  events: NostrEvent[];
  /** behaviours[i] names relay i's behaviour ("healthy" or a MISBEHAVIOURS name). */
  behaviours: string[];
  close(): Promise<void>;
}

/** The last healthy relay of a network with at least three: its NIP-45 COUNT halves the truth. */
export const COUNT_LIES: Misbehaviour = { name: "count-lies", options: { count: { scale: 0.5 } } };
/** Every third healthy relay adds the NIP-45 hll to its (exact) counts. */
const COUNT_HLL: FakeRelayOptions = { count: { hll: true } };

/**
 * Relay `index`'s misbehaviour, or null (healthy): the last `misbehaving` relays cycle through
 * MISBEHAVIOURS; of the healthy ones the last lies in COUNT when there are three or more.
 */
function behaviourFor(index: number, relays: number, misbehaving: number): Misbehaviour | null {
  const first = relays - misbehaving;
  if (index < first) return first >= 3 && index === first - 1 ? COUNT_LIES : null;
  return MISBEHAVIOURS[(index - first) % MISBEHAVIOURS.length] ?? null;
}

/** Each event goes to one home relay; with probability `overlap` also to 1..n-1 others. */
export function distribute(prng: Prng, events: NostrEvent[], relays: number, overlap: number) {
  const buckets: NostrEvent[][] = Array.from({ length: relays }, () => []);
  for (const ev of events) {
    const home = prng.int(0, relays - 1);
    buckets[home]?.push(ev);
    if (relays < 2 || !prng.chance(overlap)) continue;
    const copies = prng.int(1, relays - 1);
    for (let c = 1; c <= copies; c++) buckets[(home + c) % relays]?.push(ev);
  }
  return buckets;
}

async function startRelays(opts: FakeNetworkOptions, misbehaving: number): Promise<FakeRelay[]> {
  const relays: FakeRelay[] = [];
  try {
    for (let i = 0; i < opts.relays; i++) {
      const behaviour = behaviourFor(i, opts.relays, misbehaving);
      const port = opts.portBase ? opts.portBase + i : 0;
      const hll = behaviour === null && i % 3 === 1 ? COUNT_HLL : {};
      relays.push(
        await startFakeRelay({ ...opts.relayOptions, port, ...hll, ...behaviour?.options }),
      );
    }
  } catch (err) {
    await Promise.all(relays.map((r) => r.close()));
    throw err;
  }
  return relays;
}

/**
 * Starts `relays` fake relays on loopback and spreads a generated dataset over them. Relay lists,
 * follow-list hints and relay recommendations in the events point at the network's own URLs.
 */
export async function startFakeNetwork(opts: FakeNetworkOptions): Promise<FakeNetwork> {
  const seed = opts.seed ?? 1;
  const misbehaving = Math.min(Math.max(0, opts.misbehaving ?? 0), opts.relays);
  const relays = await startRelays(opts, misbehaving);
  const close = async () => {
    await Promise.all(relays.map((r) => r.close()));
  };
  try {
    const relayUrls = relays.map((r) => r.url);
    const genOpts = { count: opts.events, seed, relayUrls, sign: opts.sign ?? true };
    const events = await generateEvents(genOpts);
    const overlap = Math.min(1, Math.max(0, opts.overlap));
    const buckets = distribute(createPrng(seed + 1), events, relays.length, overlap);
    relays.forEach((relay, i) => {
      relay.addEvents(buckets[i] ?? []);
    });
    const behaviours = relays.map(
      (_, i) => behaviourFor(i, opts.relays, misbehaving)?.name ?? "healthy",
    );
    return { relays, events, behaviours, close };
  } catch (err) {
    await close();
    throw err;
  }
}
