import type { Nostr } from "nostr-wasm";
import type { NostrEvent } from "../models/event-types.js";
import { loadNostrWasm } from "./crypto.js";
import { type BuildContext, type EventVariant, genericVariant, VARIANTS } from "./event-kinds.js";
import { type FakeUser, makeUserWith } from "./fake-user.js";
import { createPrng, type Prng } from "./prng.js";

export type { EventTemplate, FakeUser } from "./fake-user.js";

/** Reserved (RFC 2606) or made-up addresses: never resolvable, safe to put in test data. */
export const DEFAULT_RELAY_URLS: readonly string[] = [
  "wss://relay-a.example",
  "wss://relay-b.example.com/",
  "wss://nostr.example.org/inbox",
  "ws://devnetrelayaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion",
  "wss://RELAY-C.example.net:443",
];

export interface GenerateOptions {
  count: number;
  seed?: number;
  /** URLs used for relay hints, 10002 r tags, kind-2 content and legacy kind-3 maps. */
  relayUrls?: readonly string[];
  /** Restrict to these kinds (kinds without a builder get short generic events). */
  kinds?: readonly number[];
  /** false: correct ids but random sig bytes (fast data for DB benchmarks). Default true. */
  sign?: boolean;
  /** Number of distinct authors (default 20). */
  users?: number;
  /** created_at of the first event (default 1_700_000_000). */
  startTime?: number;
  /** Seconds covered by the dataset (default 30 days). */
  spanSeconds?: number;
  /** Share of events sharing the previous event's second (default 0.1). */
  sameSecondShare?: number;
}

/** Deterministic authors for a seed. */
export function makeUsers(wasm: Nostr, seed: number, count: number): FakeUser[] {
  return Array.from({ length: count }, (_, i) => makeUserWith(wasm, `${seed}:${i}`));
}

function variantsFor(kinds: readonly number[] | undefined): EventVariant[] {
  if (kinds === undefined) return [...VARIANTS];
  return kinds.flatMap((kind) => {
    const known = VARIANTS.filter((v) => v.kind === kind);
    return known.length > 0 ? known : [genericVariant(kind)];
  });
}

function pickWeighted(prng: Prng, variants: readonly EventVariant[]): EventVariant {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  let roll = prng.next() * total;
  for (const v of variants) {
    roll -= v.weight;
    if (roll < 0) return v;
  }
  return prng.pick(variants);
}

function timestamps(prng: Prng, opts: GenerateOptions): number[] {
  const start = opts.startTime ?? 1_700_000_000;
  const span = opts.spanSeconds ?? 30 * 86_400;
  const same = opts.sameSecondShare ?? 0.1;
  const out: number[] = [];
  let previous = start;
  for (let i = 0; i < opts.count; i++) {
    const t = i > 0 && prng.chance(same) ? previous : start + Math.floor((i * span) / opts.count);
    out.push(t);
    previous = t;
  }
  return out;
}

/**
 * Realistic events (profiles, notes with emoji/CJK/long text/control characters, follow lists with
 * relay hints, reposts, reactions, reports, zap receipts with long descriptions, relay lists,
 * articles, relay recommendations). Ids, pubkeys, tags, content and created_at depend only on the
 * options; each variant appears at least once when count allows. Ordered oldest first.
 */
export async function generateEvents(opts: GenerateOptions): Promise<NostrEvent[]> {
  const wasm = await loadNostrWasm();
  const seed = opts.seed ?? 1;
  const prng = createPrng(seed);
  // A separate stream for fake sigs, so signed and unsigned datasets have the same ids.
  const sigPrng = createPrng(seed ^ 0x5eed51);
  const sign = opts.sign ?? true;
  const users = makeUsers(wasm, seed, Math.max(1, opts.users ?? 20));
  const pubkeys = users.map((u) => u.pubkey);
  const relayUrls = opts.relayUrls?.length ? opts.relayUrls : DEFAULT_RELAY_URLS;
  const variants = variantsFor(opts.kinds);
  const times = timestamps(prng, opts);
  const events: NostrEvent[] = [];
  for (let i = 0; i < opts.count; i++) {
    const variant = variants[i] ?? pickWeighted(prng, variants);
    const author = prng.pick(users);
    const createdAt = times[i] ?? 0;
    const ctx: BuildContext = {
      prng,
      author: author.pubkey,
      pubkeys,
      relayUrls,
      recent: events.slice(-50),
      createdAt,
    };
    const template = { kind: variant.kind, created_at: createdAt, ...variant.build(ctx) };
    events.push(sign ? author.sign(template) : author.withFakeSig(template, sigPrng.hex(64)));
  }
  return events;
}
