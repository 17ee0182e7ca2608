/**
 * A random archive for the statistics tests, built and changed only through the project's
 * write paths: archiveEvents (new events, events seen again, the same event twice in a
 * batch), insertEventRelays (sightings of archived events), recordRelayMetadata (the monitor's
 * history writer), relay and event deletes, the orphan cleanup and history retention. A
 * seeded generator makes a failing run repeatable. Few pubkeys, kinds and relays, so sets
 * overlap and counts move both ways.
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { type ArchiveItem, archiveEvents } from "../../src/core/db/archive.js";
import { insertEventRelays } from "../../src/core/db/event-relays.js";
import type { Profile } from "../../src/core/db/migrate.js";
import type { Db } from "../../src/core/db/pool.js";
import { type RelayCheck, recordRelayMetadata } from "../../src/core/db/relay-metadata.js";
import type { NostrEvent } from "../../src/models/event-types.js";
import type { Network } from "../../src/models/network.js";

/** mulberry32: a small seeded generator, enough for test data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS = [0, 1, 1, 1, 3, 7, 7, 1984, 10002, 20001, 30000, 30023, 30023, 40000];
const NETWORKS: Network[] = ["clearnet", "clearnet", "clearnet", "tor", "i2p"];
const D_TAGS: string[][][] = [
  [["d", "a"]],
  [["d", "b"]],
  [["d"]],
  [],
  [
    ["d", "z"],
    ["d", "a"],
  ],
];
const HOUR = 3600;
const DAY = 86_400;

export class RandomArchive {
  readonly events: NostrEvent[] = [];
  readonly relays: { url: string; network: Network }[] = [];
  /** Batches sometimes add a relay (false: a transaction held open must not lock new ones). */
  growRelays = true;
  readonly #next: () => number;
  #relaySeq = 0;
  #checkSeq = 0;

  constructor(
    readonly profile: Profile,
    seed: number,
    /** The clock of the rolling windows: events are dated around it. */
    readonly now: number,
    readonly pubkeys = 8,
  ) {
    this.#next = seeded(seed);
  }

  int(n: number): number {
    return Math.floor(this.#next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }
  #hex(bytes: number): string {
    return Array.from({ length: bytes }, () => this.int(256).toString(16).padStart(2, "0")).join(
      "",
    );
  }

  /** A time in the last hour, day, week, month, years, or the future. */
  #createdAt(): number {
    const spans = [HOUR, DAY, 7 * DAY, 30 * DAY, 3 * 365 * DAY];
    if (this.int(12) === 0) return this.now + 1 + this.int(2 * HOUR);
    return this.now - this.int(this.pick(spans));
  }

  newEvent(): NostrEvent {
    const kind = this.pick(KINDS);
    const tags = kind >= 30000 && kind < 40000 ? this.pick(D_TAGS) : [["t", "x"]];
    return {
      // The same pubkey, kind and created_at repeat: ties must go to the lowest id.
      id: this.#hex(32),
      pubkey: `${"ab".repeat(31)}${this.int(this.pubkeys).toString(16).padStart(2, "0")}`,
      created_at: this.int(20) === 0 ? this.now - 5 * DAY : this.#createdAt(),
      kind,
      tags,
      content: "",
      sig: this.#hex(64),
    };
  }

  newRelay(): { url: string; network: Network } {
    const network = this.pick(NETWORKS);
    const host = `r${++this.#relaySeq}-${randomBytes(3).toString("hex")}`;
    const url =
      network === "tor"
        ? `ws://${host.padEnd(56, "a").slice(0, 56)}.onion`
        : network === "i2p"
          ? `ws://${host}.i2p`
          : `wss://${host}.example`;
    const relay = { url, network };
    this.relays.push(relay);
    return relay;
  }

  #someRelays(max: number): { url: string; network: Network }[] {
    if (this.relays.length === 0 || (this.growRelays && this.int(6) === 0)) this.newRelay();
    const n = 1 + this.int(Math.min(max, this.relays.length));
    return Array.from({ length: n }, () => this.pick(this.relays));
  }

  /** `fresh` new events on 1–3 relays each, plus `again` archived events seen anew. */
  batch(fresh: number, again: number): ArchiveItem[] {
    const items: ArchiveItem[] = [];
    const add = (event: NostrEvent) => {
      for (const r of this.#someRelays(3)) {
        items.push({ event, relayUrl: r.url, network: r.network, seenAt: this.now });
      }
    };
    for (let i = 0; i < fresh; i++) {
      const event = this.newEvent();
      this.events.push(event);
      add(event);
      if (this.int(10) === 0) add(event); // the same event twice in a batch
    }
    for (let i = 0; i < again && this.events.length > 0; i++) add(this.pick(this.events));
    return items;
  }

  async archive(db: Db, fresh: number, again = 0): Promise<void> {
    await archiveEvents(db, this.batch(fresh, again), { profile: this.profile });
  }

  /** Sightings of archived events on known relays (insertEventRelays). */
  async sightings(pool: pg.Pool, n: number): Promise<void> {
    const ids = await pool.query<{ id: string }>(
      "SELECT encode(id, 'hex') AS id FROM event ORDER BY random() LIMIT $1",
      [n],
    );
    const urls = await pool.query<{ url: string }>("SELECT url FROM relay");
    if (urls.rows.length === 0) return;
    await insertEventRelays(
      pool,
      ids.rows.map((r) => ({
        eventId: r.id,
        relayUrl: this.pick(urls.rows).url,
        seenAt: this.now,
      })),
    );
  }

  /** A monitor run over some relays: NIP-11 and RTT documents (recordRelayMetadata). */
  async checks(pool: pg.Pool, n: number): Promise<void> {
    const checks: RelayCheck[] = [];
    for (let i = 0; i < n && this.relays.length > 0; i++) {
      const r = this.pick(this.relays);
      const relay = { ...r, discoveredAt: this.now - DAY };
      const generatedAt = this.now - 40 * DAY + ++this.#checkSeq * 600;
      const up = this.int(4) > 0;
      const rtt = up ? { rtt_open: 10 + this.int(500), rtt_read: this.int(3) ? 20 : "x" } : {};
      checks.push({ relay, type: "nip66_rtt", data: rtt, generatedAt });
      if (!up) continue;
      const nip11 = {
        name: `relay ${this.int(5)}`,
        software: this.pick(["strfry", " strfry ", "", "khatru", undefined]),
        version: this.pick(["1.0", "", undefined, "2"]),
        supported_nips: this.pick([[1, 11], [1, "42", "x", 1.5], "1,2", [99, 99, 7]]),
      };
      checks.push({ relay, type: "nip11_info", data: nip11, generatedAt });
    }
    await recordRelayMetadata(pool, checks);
  }
}
