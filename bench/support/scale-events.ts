/**
 * bench:scale's events, batch by batch, each batch from its own seed (so a resumed run
 * generates batch k without the batches before it). Ids are the real NIP-01 sha256 of the
 * serialized event; signatures are random bytes (the archive's write path does not verify
 * them, as the synchronizer verifies before it writes). Authors are drawn Zipf-like from
 * events / 20 pubkeys (500,000 for 10 million events), created_at over three years with the
 * activity growing (density ∝ age), 0.1 % dated in the future. Each event is seen on 1–20
 * relays (mean ~4; big relays far more often); a quarter of the second and later sightings
 * arrive two batches later, as copies of an archived event do from slower relays (they go
 * through the write path's conflict-checking branch).
 */
import { createHash } from "node:crypto";
import { computeEventId } from "../../src/devnet/crypto.js";
import { createPrng, type Prng } from "../../src/devnet/prng.js";
import type { NostrEvent } from "../../src/models/event-types.js";
import { DAY, EVENT_SPAN, scaleRelays, zipfIndex } from "./scale-data.js";
import { buildEvent, type KindContext } from "./scale-kinds.js";
import { logNormal, normal, Text } from "./scale-text.js";

/** Events per batch: ~10,000 sightings, the synchronizer writer's batch_size. */
export const BATCH_EVENTS = 2500;
/** Sightings moved to a later batch arrive this many batches later. */
const DEFER = 2;

export interface ScaleSpec {
  events: number;
  relays: number;
  days: number;
  seed: number;
  /** Unix seconds: the newest check and (future events apart) the newest event. */
  end: number;
}

/** One sighting: an event (index into the batch's `events`) on a relay (its index). */
export interface Sighting {
  event: number;
  relay: number;
  seenAt: number;
}

export interface EventBatch {
  batch: number;
  /** This batch's new events, then the earlier events of its late sightings. */
  events: NostrEvent[];
  /** How many of `events` are new in this batch. */
  fresh: number;
  sightings: Sighting[];
}

export const batchCount = (spec: ScaleSpec) => Math.ceil(spec.events / BATCH_EVENTS);
export const authorCount = (events: number) => Math.max(1000, Math.round(events / 20));

type Late = { event: NostrEvent; relay: number; seenAt: number };

export class EventGenerator {
  readonly #spec: ScaleSpec;
  readonly #text: Text;
  readonly #pubkeys: string[];
  readonly #urls: string[];
  /** Late sightings by the batch they arrive in. */
  readonly #late = new Map<number, Late[]>();

  constructor(spec: ScaleSpec) {
    this.#spec = spec;
    this.#text = new Text(spec.seed);
    this.#pubkeys = Array.from({ length: authorCount(spec.events) }, (_, i) =>
      createHash("sha256").update(`scale-pk:${spec.seed}:${i}`).digest("hex"),
    );
    this.#urls = scaleRelays(spec.relays, spec.seed, spec.end).map((r) => r.url);
  }

  /** Batches `from`, `from + 1`, … to the last (regenerating the late sightings of before). */
  *batches(from: number): Generator<EventBatch> {
    for (let k = Math.max(0, from - DEFER); k < from; k++) this.#generate(k);
    for (let k = from; k < batchCount(this.#spec); k++) yield this.#generate(k);
  }

  #generate(batch: number): EventBatch {
    const prng = createPrng((this.#spec.seed * 1_000_003 + batch * 7919) >>> 0);
    const first = batch * BATCH_EVENTS;
    const count = Math.min(BATCH_EVENTS, this.#spec.events - first);
    const events: NostrEvent[] = [];
    const sightings: Sighting[] = [];
    const recent: string[] = [];
    const addresses: string[] = [];
    for (let i = 0; i < count; i++) {
      const event = this.#event(prng, recent, addresses);
      events.push(event);
      recent.push(event.id);
      if (event.kind >= 30000 && event.kind < 40000) {
        const d = event.tags.find((t) => t[0] === "d")?.[1] ?? "";
        addresses.push(`${event.kind}:${event.pubkey}:${d}`);
      }
      this.#sightingsOf(prng, event, i, batch, sightings);
    }
    const fresh = events.length;
    for (const late of this.#late.get(batch) ?? []) {
      sightings.push({ event: events.length, relay: late.relay, seenAt: late.seenAt });
      events.push(late.event);
    }
    this.#late.delete(batch);
    return { batch, events, fresh, sightings };
  }

  #createdAt(prng: Prng): number {
    const { end } = this.#spec;
    if (prng.chance(0.001)) return end + prng.int(60, 365 * DAY);
    return Math.floor(end - EVENT_SPAN * (1 - Math.sqrt(prng.next())));
  }

  #event(prng: Prng, recent: string[], addresses: string[]): NostrEvent {
    const createdAt = this.#createdAt(prng);
    const pubkeys = this.#pubkeys;
    const pubkey = () => pubkeys[zipfIndex(prng.next(), pubkeys.length, 10)] as string;
    const author = pubkey();
    const context: KindContext = {
      prng,
      text: this.#text,
      author,
      createdAt,
      pubkey,
      eventId: () =>
        recent.length > 0 && prng.chance(0.8)
          ? (recent[recent.length - 1 - Math.floor(prng.next() ** 2 * recent.length)] as string)
          : prng.hex(32),
      address: () =>
        addresses.length > 0 && prng.chance(0.8)
          ? prng.pick(addresses)
          : `30023:${pubkey()}:article-${prng.int(0, 20)}`,
      relayUrl: () => this.#urls[zipfIndex(prng.next(), this.#urls.length, 1)] as string,
    };
    const { kind, tags, content } = buildEvent(context);
    // Zap receipts come from a few LN services, relay discoveries from a few monitors.
    const by =
      kind === 9735
        ? pubkeys[prng.int(0, 29)]
        : kind === 30166
          ? pubkeys[100 + prng.int(0, 9)]
          : author;
    const fields = { pubkey: by as string, created_at: createdAt, kind, tags, content };
    return { id: computeEventId(fields), ...fields, sig: prng.hex(64) };
  }

  #sightingsOf(prng: Prng, event: NostrEvent, index: number, batch: number, out: Sighting[]) {
    const copies = Math.min(20, 1 + Math.floor(-3.5 * Math.log(1 - prng.next())));
    const relays = this.#urls.length;
    const chosen = new Set<number>();
    for (let tries = 0; chosen.size < Math.min(copies, relays) && tries < 200; tries++) {
      chosen.add(zipfIndex(prng.next(), relays, 1));
    }
    const { end } = this.#spec;
    let first = true;
    for (const relay of chosen) {
      const delay = Math.min(30 * DAY, Math.round(Math.exp(4 + 2 * normal(prng))));
      const seenAt =
        event.created_at > end
          ? end - prng.int(0, 30 * DAY)
          : Math.min(end, event.created_at + delay);
      if (!first && prng.chance(0.25)) {
        const later = Math.min(end, seenAt + logNormal(prng, 3600, 1));
        const list = this.#late.get(batch + DEFER) ?? [];
        list.push({ event, relay, seenAt: later });
        this.#late.set(batch + DEFER, list);
      } else {
        out.push({ event: index, relay, seenAt });
      }
      first = false;
    }
  }
}
