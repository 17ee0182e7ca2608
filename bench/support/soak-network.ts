/**
 * The soak's devnet: ~200 loopback relays of the realistic devnet in this process (rate limits,
 * AUTH, paid relays, dropped and slow sockets, refused upgrades, odd NIP-11 documents and events,
 * flapping and offline relays: src/devnet/realistic), new events published into its healthy
 * relays on a seeded schedule (new ones, late ones with an old created_at, NIP-09 deletions),
 * and the relay faults (stopped and restarted on the same port with its data; stalled:
 * connections stay open but nothing is answered). Only the healthy relays are counted: what
 * they serve must all be archived; the others' refusals end as failures or recorded gaps.
 * startSoakDevnet is the one place that picks the devnet.
 */

import { loadNostrWasm } from "../../src/devnet/crypto.js";
import type { FakeRelay } from "../../src/devnet/fake-relay.js";
import { type FakeUser, makeUserWith } from "../../src/devnet/fake-user.js";
import { createPrng, type Prng } from "../../src/devnet/prng.js";
import { startRealisticNetwork } from "../../src/devnet/realistic-network.js";
import type { NostrEvent } from "../../src/models/event-types.js";

export interface SoakDevnet {
  /** The relays (a restarted relay is the same object, listening again on its port). */
  relays: FakeRelay[];
  behaviours: string[];
  /** Indexes of the relays whose events must all be archived (healthy ones). */
  counted: number[];
  urls: string[];
  /** Whether relay i is down (killed and not yet restarted) or stalled. */
  down: boolean[];
  published: { fresh: number; late: number; deletions: number };
  close(): Promise<void>;
}

/** The one choice of devnet: the realistic one, 10 events a relay (the publishers add more). */
async function startSoakDevnet(relays: number, seed: number) {
  const net = await startRealisticNetwork({
    relays,
    seed,
    events: relays * 10,
    overlap: 0.3,
    relayOptions: { host: "127.0.0.1" },
  });
  return {
    relays: net.relays.map((r) => r.relay),
    behaviours: net.relays.map((r) => r.behaviour),
    close: () => net.close(),
  };
}

export async function startNetwork(relays: number, seed: number): Promise<SoakDevnet> {
  const net = await startSoakDevnet(relays, seed);
  const counted = net.behaviours.flatMap((b, i) => (b === "healthy" ? [i] : []));
  return {
    relays: net.relays,
    behaviours: net.behaviours,
    counted,
    urls: net.relays.map((r) => r.url),
    down: net.relays.map(() => false),
    published: { fresh: 0, late: 0, deletions: 0 },
    close: net.close,
  };
}

/** Stops relay i (port closed, every connection dropped), starts it again on its port with its events after `downMs`. */
export async function restartRelay(dev: SoakDevnet, i: number, downMs: number): Promise<void> {
  const relay = dev.relays[i];
  if (!relay) return;
  dev.down[i] = true;
  await relay.stop();
  await new Promise((r) => setTimeout(r, downMs));
  await relay.restart();
  dev.down[i] = false;
}

/** Relay i stops answering (REQs, NIP-11) for `ms` without closing anything. */
export async function stallRelay(dev: SoakDevnet, i: number, ms: number): Promise<void> {
  const relay = dev.relays[i];
  if (!relay) return;
  const before = { ...relay.options };
  dev.down[i] = true;
  relay.options = { ...before, silent: true, nip11DelayMs: ms };
  await new Promise((r) => setTimeout(r, ms));
  relay.options = before;
  dev.down[i] = false;
}

export interface Publisher {
  stop(): void;
}

interface PublishState {
  prng: Prng;
  users: FakeUser[];
  mine: NostrEvent[];
}

function note(st: PublishState, createdAt: number): NostrEvent {
  const author = st.prng.pick(st.users);
  const n = st.prng.int(0, 1e9);
  return author.sign({ kind: 1, created_at: createdAt, tags: [], content: `soak note ${n}` });
}

/** A NIP-09 deletion of one of this publisher's earlier events, by its author. */
function deletion(st: PublishState, now: number): NostrEvent | undefined {
  const target = st.mine.length > 0 ? st.prng.pick(st.mine) : undefined;
  const author = st.users.find((u) => u.pubkey === target?.pubkey);
  if (!target || !author) return undefined;
  const tags = [
    ["e", target.id],
    ["k", String(target.kind)],
  ];
  return author.sign({ kind: 5, created_at: now, tags, content: "soak deletion" });
}

/** One event: mostly new, some late (created up to `lateMaxS` ago), some deletions. */
function nextEvent(st: PublishState, lateMaxS: number, dev: SoakDevnet): NostrEvent | undefined {
  const now = Math.floor(Date.now() / 1000);
  const roll = st.prng.next();
  if (roll < 0.1) {
    const ev = deletion(st, now);
    if (ev) dev.published.deletions++;
    return ev;
  }
  if (roll < 0.3) {
    dev.published.late++;
    return note(st, now - st.prng.int(30, lateMaxS));
  }
  dev.published.fresh++;
  return note(st, now);
}

/**
 * Publishes `perSecond` events a second into live counted relays (each to 1–3 of them), as
 * users would; `lateMaxS` bounds how old a late event's created_at is.
 */
export async function startPublisher(
  dev: SoakDevnet,
  seed: number,
  perSecond: number,
  lateMaxS: number,
): Promise<Publisher> {
  const wasm = await loadNostrWasm();
  const users = Array.from({ length: 20 }, (_, i) => makeUserWith(wasm, `soak:${seed}:${i}`));
  const st: PublishState = { prng: createPrng(seed + 7), users, mine: [] };
  const tick = () => {
    for (let k = 0; k < perSecond; k++) {
      const ev = nextEvent(st, lateMaxS, dev);
      if (!ev) continue;
      if (ev.kind === 1) st.mine.push(ev);
      const copies = st.prng.int(1, 3);
      for (let c = 0; c < copies; c++) {
        const i = st.prng.pick(dev.counted);
        if (!dev.down[i]) dev.relays[i]?.addEvents([ev]);
      }
    }
  };
  const timer = setInterval(tick, 1000);
  return { stop: () => clearInterval(timer) };
}
