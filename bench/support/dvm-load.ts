/**
 * The customer of bench:dvm, on nostr-tools (its Relay, its signatures; not our code): job
 * requests over bench:api's archive (support/api-data.ts) in a fixed mix of 5400 counts (one
 * kind over an hour, one author, one topic tag, every kind over a wide range) and 5304 relay
 * queries, published at a steady rate from several keys; each request's latency runs from its
 * publication to its first result (6400/6304) or error feedback (7000 `error`), and every
 * distinct result event per request is kept, so a job answered twice shows.
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { finalizeEvent, getPublicKey } from "nostr-tools/pure";
import { Relay, useWebSocketImplementation } from "nostr-tools/relay";
import WebSocket from "ws";
import { createPrng } from "../../src/devnet/prng.js";
import { AUTHORS, TOPICS } from "./api-data.js";

export const JOB_TYPES = ["kind", "author", "tag", "wide", "relays"] as const;
export type JobType = (typeof JOB_TYPES)[number];

/**
 * The archive bench:api's dataset wrote: events over [end - span, end], relays 0..relays-1
 * (bench:dvm renames them to wss://relay<i>.bench.example.com).
 */
export interface ArchiveShape {
  end: number;
  span: number;
  relays: number;
}

export interface JobSpec {
  type: JobType;
  kind: 5400 | 5304;
  tags: string[][];
  content: string;
}

const hash = (s: string) => createHash("sha256").update(s).digest("hex");
const HOUR = 3600;
const WIDE = 12 * HOUR;
/** Five slots of six are counts, one of each type but `kind` twice; one is a relay query. */
const MIX: readonly JobType[] = ["kind", "author", "tag", "wide", "kind", "relays"];
const RELAY_QUERIES = [
  [
    ["param", "network", "clearnet"],
    ["param", "up", "true"],
  ],
  [
    ["param", "nip", "11"],
    ["param", "limit", "5"],
  ],
  [
    ["param", "country", "US"],
    ["param", "country", "DE"],
  ],
  [
    ["param", "software", "strfry"],
    ["param", "min_uptime", "0.5"],
  ],
];

/** Job `i` of the mix (deterministic for a seed), addressed to `dvm`. */
export function jobMaker(shape: ArchiveShape, dvm: string, seed = 11) {
  const prng = createPrng(seed);
  // Clearnet relays only (every tenth of the dataset is on Tor).
  const relayUrl = () => {
    let r = prng.int(0, shape.relays - 1);
    if (r % 10 === 9) r -= 1;
    return ["param", "relay", `wss://relay${r}.bench.example.com`];
  };
  const since = (width: number) => shape.end - prng.int(width, shape.span);
  const filterOf = (type: JobType): Record<string, unknown> => {
    if (type === "author") return { authors: [hash(`p${prng.int(0, AUTHORS - 1)}`)] };
    if (type === "tag") return { "#t": [`topic${prng.int(0, TOPICS - 1)}`] };
    const width = type === "kind" ? HOUR : WIDE;
    const from = since(width);
    return type === "kind"
      ? { kinds: [prng.int(0, 2) === 0 ? 7 : 1], since: from, until: from + width }
      : { since: from, until: from + width };
  };
  return (i: number): JobSpec => {
    const type = MIX[i % MIX.length] ?? "kind";
    const common = [
      ["p", dvm],
      ["param", "n", String(i)],
    ];
    if (type === "relays") {
      const params = RELAY_QUERIES[prng.int(0, RELAY_QUERIES.length - 1)] ?? [];
      return { type, kind: 5304, tags: [...common, ...params], content: "" };
    }
    const relays = [relayUrl(), relayUrl(), relayUrl()];
    return {
      type,
      kind: 5400,
      tags: [...common, ...relays],
      content: JSON.stringify(filterOf(type)),
    };
  };
}

interface Pending {
  type: JobType;
  sentAt: number;
  doneAt?: number;
  error?: boolean;
  results: Set<string>;
}

/** One nostr-tools connection publishing for `keys` customers and collecting their answers. */
export class DvmCustomer {
  readonly jobs = new Map<string, Pending>();
  /** Error feedback reasons, counted. */
  readonly reasons = new Map<string, number>();
  publishErrors = 0;
  readonly #relay: Relay;
  readonly #keys: Uint8Array[];

  private constructor(relay: Relay, keys: Uint8Array[]) {
    this.#relay = relay;
    this.#keys = keys;
  }

  static async open(url: string, customers: number): Promise<DvmCustomer> {
    useWebSocketImplementation(WebSocket);
    const relay = await Relay.connect(url);
    // Its default (4.4 s) counts a slow OK on a loaded machine as a failure.
    relay.publishTimeout = 60_000;
    const keys = Array.from({ length: customers }, (_, k) =>
      Uint8Array.from(Buffer.from(hash(`customer${k}`), "hex")),
    );
    const c = new DvmCustomer(relay, keys);
    const filter = { kinds: [6400, 6304, 7000], "#p": keys.map((k) => getPublicKey(k)) };
    await new Promise<void>((resolve) => {
      relay.subscribe([filter], { onevent: (e) => c.#onAnswer(e), oneose: resolve });
    });
    return c;
  }

  #onAnswer(e: { id: string; kind: number; tags: string[][]; content: string }) {
    const requestId = e.tags.find((t) => t[0] === "e")?.[1];
    const job = requestId === undefined ? undefined : this.jobs.get(requestId);
    if (job === undefined) return;
    const status = e.tags.find((t) => t[0] === "status");
    const failed = e.kind === 7000 && status?.[1] === "error";
    if (failed) {
      const reason = status?.[2] || e.content;
      this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    }
    if (e.kind !== 7000) job.results.add(e.id);
    if ((e.kind !== 7000 || failed) && job.doneAt === undefined) {
      job.doneAt = performance.now();
      job.error = failed;
    }
  }

  /** Signs job `i` with the next customer's key and publishes it (not waiting for the OK). */
  send(i: number, spec: JobSpec): void {
    const key = this.#keys[i % this.#keys.length] as Uint8Array;
    const created_at = Math.floor(Date.now() / 1000);
    const event = finalizeEvent(
      { kind: spec.kind, tags: spec.tags, content: spec.content, created_at },
      key,
    );
    this.jobs.set(event.id, { type: spec.type, sentAt: performance.now(), results: new Set() });
    this.#relay.publish(event).catch(() => {
      this.publishErrors++;
    });
  }

  get answered(): number {
    let n = 0;
    for (const job of this.jobs.values()) if (job.doneAt !== undefined) n++;
    return n;
  }

  close(): void {
    this.#relay.close();
  }
}

/** Publishes `total` jobs at `rate` per second, then waits up to `graceMs` for their answers. */
export async function steadyLoad(
  customer: DvmCustomer,
  job: (i: number) => JobSpec,
  options: { total: number; rate: number; graceMs: number },
): Promise<{ seconds: number }> {
  const t0 = performance.now();
  for (let i = 0; i < options.total; i++) {
    const wait = t0 + (i * 1000) / options.rate - performance.now();
    if (wait > 0) await sleep(wait);
    customer.send(i, job(i));
  }
  const deadline = performance.now() + options.graceMs;
  while (customer.answered < options.total && performance.now() < deadline) await sleep(50);
  let last = t0;
  for (const j of customer.jobs.values()) last = Math.max(last, j.doneAt ?? t0);
  return { seconds: (last - t0) / 1000 };
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export interface LatencyFigures {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Latency (ms) of the answered jobs, of one type or of all. */
export function latencies(customer: DvmCustomer, type?: JobType): LatencyFigures {
  const ms: number[] = [];
  for (const j of customer.jobs.values()) {
    if (j.doneAt !== undefined && (type === undefined || j.type === type)) {
      ms.push(j.doneAt - j.sentAt);
    }
  }
  ms.sort((a, b) => a - b);
  return { n: ms.length, p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), p99: quantile(ms, 0.99) };
}

/**
 * Errors (error feedback, or no answer at all), publications the relay refused or never
 * acknowledged, and duplicates (results past the first).
 */
export function outcomes(customer: DvmCustomer) {
  let errors = 0;
  let unanswered = 0;
  let duplicates = 0;
  for (const j of customer.jobs.values()) {
    if (j.doneAt === undefined) unanswered++;
    else if (j.error) errors++;
    duplicates += Math.max(0, j.results.size - 1);
  }
  return { errors, unanswered, duplicates, publishErrors: customer.publishErrors };
}
