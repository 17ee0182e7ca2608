/**
 * A devnet modelled on what real relays do (realistic/behaviours.ts): varied software, limits
 * and countries, rate limits, AUTH, paid relays, dropped and slow sockets, refused upgrades,
 * bad certificates, odd NIP-11 documents, odd events, relays that flap or are gone. Each
 * behaviour's share is fixed; which relay gets which, and every relay's events, depend only on
 * the seed and the relay count.
 */
import type { NostrEvent } from "../models/event-types.js";
import { generateEvents } from "./event-factory.js";
import { distribute } from "./fake-network.js";
import { type FakeRelay, type FakeRelayOptions, startFakeRelay } from "./fake-relay.js";
import { createPrng } from "./prng.js";
import { apportion, assignBehaviours, type BehaviourCount } from "./realistic/assign.js";
import { AUTH_KINDS, BEHAVIOURS, type RealisticBehaviour } from "./realistic/behaviours.js";
import { extraEvents } from "./realistic/extra-events.js";
import { drawPersona } from "./realistic/software.js";
import { certificateFor, type DevnetChain } from "./realistic/tls.js";

export type { DevnetChain } from "./realistic/tls.js";

export interface RealisticNetworkOptions {
  relays: number;
  seed?: number;
  /** Generated events spread over the relays (default 100 per relay). */
  events?: number;
  /** 0..1: share of events also copied to other relays (default 0.3). */
  overlap?: number;
  /** 0 (default) = ephemeral ports; otherwise relay i listens on portBase + i. */
  portBase?: number;
  /** Serve wss:// with this chain's leaf; also enables the bad-certificate behaviours. */
  tls?: DevnetChain;
  /** Flapping relays change state every this many ms (default 30 s; 0 = only setDown). */
  flapMs?: number;
  /** Knobs every relay gets (e.g. `negentropy`), under its behaviour's own. */
  relayOptions?: FakeRelayOptions;
}

export interface RealisticRelay {
  url: string;
  /** The behaviour's name (realistic/behaviours.ts). */
  behaviour: string;
  relay: FakeRelay;
  /** Its software and version, as its NIP-11 says. */
  software: string;
  version: string;
  /** Down: its port is closed (flapping, offline, setDown); its events stay. */
  readonly down: boolean;
  /** Every event it stores. */
  readonly events: NostrEvent[];
  /** What a reader without NIP-42 AUTH receives of them, created_at ≤ `nowSeconds`. */
  served(nowSeconds: number): NostrEvent[];
}

export interface RealisticNetwork {
  relays: RealisticRelay[];
  /** Every generated event once, oldest first (the relays' extra events are not in it). */
  events: NostrEvent[];
  /** How many relays each behaviour got, catalogue order, with zeros. */
  counts: BehaviourCount[];
  /** Takes relay `index` down (port closed, sockets dropped) or back up on the same port. */
  setDown(index: number, down: boolean): Promise<void>;
  close(): Promise<void>;
}

/** The behaviours this network may assign (the TLS faults only when it serves TLS). */
export function eligibleBehaviours(tls: boolean): RealisticBehaviour[] {
  return BEHAVIOURS.filter((b) => tls || b.tls === undefined);
}

function relayOptions(
  behaviour: RealisticBehaviour,
  index: number,
  opts: RealisticNetworkOptions,
): FakeRelayOptions & { software: string; version: string } {
  const persona = drawPersona(createPrng((opts.seed ?? 1) * 7919 + index), index);
  const port = opts.portBase ? opts.portBase + index : 0;
  const tls = opts.tls ? { tls: certificateFor(behaviour, opts.tls) } : {};
  return {
    ...opts.relayOptions,
    port,
    ...tls,
    maxLimit: persona.maxLimit,
    nip11: persona.nip11,
    count: persona.count,
    ...behaviour.options(persona),
    software: persona.software,
    version: persona.version,
  };
}

class Relay implements RealisticRelay {
  constructor(
    readonly relay: FakeRelay,
    readonly spec: RealisticBehaviour,
    readonly software: string,
    readonly version: string,
  ) {}
  get url() {
    return this.relay.url;
  }
  get behaviour() {
    return this.spec.name;
  }
  get down() {
    return !this.relay.listening;
  }
  get events() {
    return this.relay.events;
  }
  served(nowSeconds: number): NostrEvent[] {
    if (this.spec.serves === "none") return [];
    const hidden = this.spec.serves === "public-kinds" ? AUTH_KINDS : [];
    return this.events.filter((e) => e.created_at <= nowSeconds && !hidden.includes(e.kind));
  }
  setDown(down: boolean): Promise<void> {
    return down ? this.relay.stop() : this.relay.restart();
  }
}

async function startRelays(opts: RealisticNetworkOptions, plan: readonly RealisticBehaviour[]) {
  const relays: Relay[] = [];
  try {
    for (const [i, behaviour] of plan.entries()) {
      const { software, version, ...options } = relayOptions(behaviour, i, opts);
      relays.push(new Relay(await startFakeRelay(options), behaviour, software, version));
    }
  } catch (err) {
    await Promise.all(relays.map((r) => r.relay.close()));
    throw err;
  }
  return relays;
}

/** Flips a flapping relay every `ms` (one change at a time). */
function flap(r: Relay, ms: number): NodeJS.Timeout {
  let busy = false;
  return setInterval(() => {
    if (busy) return;
    busy = true;
    r.setDown(!r.down)
      .catch(() => {}) // the port was taken meanwhile: it stays down until the next flip
      .finally(() => {
        busy = false;
      });
  }, ms);
}

/** Redirects, flapping timers and closed ports, once every relay has its address. */
async function wire(relays: Relay[], flapMs: number): Promise<NodeJS.Timeout[]> {
  const timers: NodeJS.Timeout[] = [];
  for (const [i, r] of relays.entries()) {
    const wiring = r.spec.wiring;
    if (wiring === "redirect-loop") r.relay.options.nip11Redirect = `${r.relay.httpUrl}/`;
    if (wiring === "redirect-other") {
      // To the next healthy relay's document (itself when there is none), by another name.
      const after = [...relays.slice(i + 1), ...relays.slice(0, i)];
      const next = after.find((x) => x.spec.name === "healthy")?.relay ?? r.relay;
      const other = new URL(next.httpUrl);
      other.hostname = "localhost";
      r.relay.options.nip11Redirect = other.href;
    }
    if (wiring === "offline") await r.setDown(true);
    if (wiring === "flapping" && flapMs > 0) timers.push(flap(r, flapMs));
  }
  return timers;
}

async function fill(relays: Relay[], opts: RealisticNetworkOptions): Promise<NostrEvent[]> {
  const seed = opts.seed ?? 1;
  const count = opts.events ?? relays.length * 100;
  const relayUrls = relays.map((r) => r.url);
  const events = await generateEvents({ count, seed, relayUrls });
  const overlap = Math.min(1, Math.max(0, opts.overlap ?? 0.3));
  const buckets = distribute(createPrng(seed + 1), events, relays.length, overlap);
  for (const [i, r] of relays.entries()) {
    r.relay.addEvents([...(buckets[i] ?? []), ...(await extraEvents(r.spec, seed, i))]);
  }
  return events;
}

/** Starts `relays` loopback relays with seeded realistic behaviours and events. */
export async function startRealisticNetwork(
  opts: RealisticNetworkOptions,
): Promise<RealisticNetwork> {
  const eligible = eligibleBehaviours(opts.tls !== undefined);
  const plan = assignBehaviours(eligible, opts.relays, opts.seed ?? 1);
  const relays = await startRelays(opts, plan);
  const timers: NodeJS.Timeout[] = [];
  const close = async () => {
    for (const t of timers) clearInterval(t);
    await Promise.all(relays.map((r) => r.relay.close()));
  };
  try {
    const events = await fill(relays, opts);
    timers.push(...(await wire(relays, opts.flapMs ?? 30_000)));
    return {
      relays,
      events,
      counts: apportion(eligible, opts.relays),
      setDown: async (index, down) => relays[index]?.setDown(down),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
