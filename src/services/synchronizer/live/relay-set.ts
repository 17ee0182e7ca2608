/**
 * The relays whose live subscriptions this process holds, through leases of their own
 * (service `synchronizer-live`, apart from the cycles' leases): a relay is subscribed to by
 * the one process holding its lease, renewed every third of `lease_ttl` while held. A
 * process that dies stops renewing, and after at most `lease_ttl` (at once for a dead
 * process of the same host) another one takes the relay at its next look. Each look takes
 * free relays up to each network's `max_subscriptions`, and lets go of relays no longer
 * listed or whose lease was lost.
 */

import { HeldLeases } from "../../../core/db/lease-heartbeat.js";
import { acquireLeases, expireDeadHolders } from "../../../core/db/leases.js";
import type { Db } from "../../../core/db/pool.js";
import type { SyncCandidate } from "../../../core/db/service-state/sync-cursor.js";
import type { Network } from "../../../models/network.js";
import type { LiveRelay, RelayLive } from "./relay-live.js";

export const LIVE_LEASES = "synchronizer-live";

export interface RelaySetOptions {
  db: Db;
  holder: string;
  ttl: number;
  now: () => number;
  /** Subscriptions held at most per network (absent: none on that network). */
  max: ReadonlyMap<Network, number>;
  start: (relay: LiveRelay) => RelayLive;
}

export class RelaySet {
  readonly #o: RelaySetOptions;
  readonly #leases: HeldLeases;
  readonly relays = new Map<string, RelayLive>();
  #lost: string[] = [];

  constructor(options: RelaySetOptions) {
    this.#o = options;
    const { db, holder, ttl, now } = options;
    this.#leases = new HeldLeases(db, {
      ...{ service: LIVE_LEASES, holder, ttl, now },
      onLost: (items) => this.#lost.push(...items),
    });
  }

  /** Relays held per network. */
  #count(network: Network): number {
    let n = 0;
    for (const r of this.relays.values()) if (r.relay.network === network) n++;
    return n;
  }

  /** One look: drops what is lost or unlisted, takes free listed relays where there is room. */
  async update(listed: readonly SyncCandidate[]): Promise<void> {
    const urls = new Set(listed.map((r) => r.url));
    const lost = new Set(this.#lost.splice(0));
    const gone = [...this.relays.keys()].filter((u) => lost.has(u) || !urls.has(u));
    await this.#drop(gone, lost);
    const { db, holder, ttl, now } = this.#o;
    await expireDeadHolders(db, LIVE_LEASES, holder, now());
    const wanted: SyncCandidate[] = [];
    for (const [network, max] of this.#o.max) {
      const room = max - this.#count(network);
      const free = listed.filter((r) => r.network === network && !this.relays.has(r.url));
      wanted.push(...free.slice(0, Math.max(0, room)));
    }
    if (wanted.length === 0) return;
    const request = {
      service: LIVE_LEASES,
      holder,
      ttl,
      now: now(),
      items: wanted.map((r) => r.url),
    };
    const taken = await acquireLeases(db, request);
    this.#leases.hold(taken);
    for (const r of wanted) {
      if (!taken.has(r.url)) continue;
      const live = this.#o.start({ url: r.url, network: r.network });
      this.relays.set(r.url, live);
      live.start();
    }
  }

  async #drop(urls: readonly string[], lost: ReadonlySet<string>): Promise<void> {
    const stopping = urls.map((u) => this.relays.get(u)?.stop());
    for (const u of urls) this.relays.delete(u);
    await Promise.all(stopping);
    await this.#leases.release(urls.filter((u) => !lost.has(u)));
  }

  /** Stops every subscription and gives every lease back. */
  async close(): Promise<void> {
    await Promise.all([...this.relays.values()].map((r) => r.stop()));
    this.relays.clear();
    await this.#leases.releaseAll();
  }
}
