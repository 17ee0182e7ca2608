/**
 * One relay's live subscription for as long as this process holds its lease: connect, REQ
 * the relay's filter from the resume point (resume.ts), hand what arrives within the relay's
 * rate cap (throttle.ts) to the ingest pipeline, and after a drop wait (backoff.ts) and start
 * again from the newest event seen less the lookback. Failures are counted, never thrown.
 */

import { sleep } from "../../../core/service.js";
import type { Filter, NostrEvent } from "../../../models/event-types.js";
import type { Network } from "../../../models/network.js";
import {
  type LiveReq,
  openLiveReq,
  type RelayClient,
  type RelayStats,
} from "../../../nips/nip01/index.js";
import { type BackoffPolicy, failuresAfter, reconnectDelay } from "./backoff.js";
import { newestSeen, type ResumePolicy, resumeSince } from "./resume.js";
import { RateCap } from "./throttle.js";

/** What every relay's subscription shares (built once by the live loop). */
export interface RelayLiveEnv {
  connect(url: string, network: Network, signal: AbortSignal): Promise<RelayClient>;
  filterOf(url: string): Filter;
  resume: ResumePolicy;
  backoff: BackoffPolicy;
  rate: { perS: number; burst: number };
  /** An event within the cap; false: the pipeline is full (an overflow). */
  offer(relay: LiveRelay, event: NostrEvent, receivedAt: number): boolean;
  onOpen(relay: LiveRelay, reconnect: boolean): void;
  onClose(relay: LiveRelay): void;
  /** Events screened out by the relay client since the last report, and throttled ones. */
  onCounts(relay: LiveRelay, counts: { badId: number; invalid: number; throttled: number }): void;
  onOverflow(relay: LiveRelay): void;
  now(): number;
}

export interface LiveRelay {
  url: string;
  network: Network;
}

export class RelayLive {
  readonly relay: LiveRelay;
  readonly #env: RelayLiveEnv;
  readonly #stop = new AbortController();
  readonly #cap: RateCap;
  #newest: number | undefined;
  #client: RelayClient | undefined;
  #req: LiveReq | undefined;
  #reported = { badId: 0, invalid: 0 };
  #done: Promise<void> = Promise.resolve();
  #open = false;
  /** Over its cap since the last `takeThrottled`. */
  throttled = false;

  constructor(relay: LiveRelay, env: RelayLiveEnv) {
    this.relay = relay;
    this.#env = env;
    this.#cap = new RateCap(env.rate.perS, env.rate.burst, Date.now());
  }

  get open(): boolean {
    return this.#open;
  }

  start(): void {
    this.#done = this.#run();
  }

  /** Closes the subscription and stops reconnecting; resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#req?.close();
    await this.#client?.close();
    await this.#done;
  }

  async #run(): Promise<void> {
    let failures = 0;
    let reconnect = false;
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const openMs = await this.#once(reconnect).catch(() => 0);
      if (signal.aborted) break;
      failures = failuresAfter(failures, openMs, this.#env.backoff);
      reconnect = true;
      await sleep(reconnectDelay(failures, this.#env.backoff), signal);
    }
  }

  /** One connection and its subscription until either ends; returns how long it was open. */
  async #once(reconnect: boolean): Promise<number> {
    const { url, network } = this.relay;
    const client = await this.#env.connect(url, network, this.#stop.signal);
    this.#client = client;
    this.#reported = { badId: 0, invalid: 0 };
    const since = resumeSince(this.#newest, this.#env.now(), this.#env.resume);
    const filter = { ...this.#env.filterOf(url), since };
    const opened = Date.now();
    try {
      await new Promise<void>((resolve) => {
        this.#req = openLiveReq(client, [filter], {
          onEvent: (event, receivedAt) => this.#onEvent(event, receivedAt),
          onEnd: () => resolve(),
        });
        this.#open = true;
        this.#env.onOpen(this.relay, reconnect);
        if (this.#stop.signal.aborted) this.#req.close();
      });
    } finally {
      this.#open = false;
      this.#req = undefined;
      this.#env.onClose(this.relay);
      this.report(client.stats);
      await client.close();
    }
    return Date.now() - opened;
  }

  #onEvent(event: NostrEvent, receivedAt: number): void {
    if (!this.#cap.take(receivedAt)) {
      this.throttled = true;
      return;
    }
    this.#newest = newestSeen(this.#newest, event.created_at, Math.floor(receivedAt / 1000));
    if (!this.#env.offer(this.relay, event, receivedAt)) this.#env.onOverflow(this.relay);
  }

  /** Reports what was screened out or throttled since the last report. */
  report(stats: RelayStats | undefined = this.#client?.stats): void {
    const throttled = this.#cap.takeRefused();
    const badId = (stats?.badId ?? 0) - this.#reported.badId;
    const invalid = (stats?.invalid ?? 0) - this.#reported.invalid;
    if (stats) this.#reported = { badId: stats.badId, invalid: stats.invalid };
    if (throttled + badId + invalid > 0)
      this.#env.onCounts(this.relay, { badId, invalid, throttled });
  }
}
