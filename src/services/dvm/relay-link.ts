/**
 * The DVM's connection to one of its relays: a live REQ for its job kinds from `since`, and
 * the connection its answers are published on. After a drop it waits (1 s doubling up to
 * 30 s, back to 1 s after a connection that lasted 30 s) and subscribes again from the
 * resume point the service gives (the newest job request seen, less a lookback), so requests
 * sent meanwhile are still answered. Failures are logged and counted, never thrown.
 */
import { sleep } from "../../core/service.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import type { RelayClient } from "../../nips/nip01/connection.js";
import { openLiveReq } from "../../nips/nip01/live-req.js";
import type { PublishResult } from "../../nips/nip01/options.js";

export interface RelayLinkEnv {
  connect(url: string, signal: AbortSignal): Promise<RelayClient>;
  /** The filter's `since` for a new subscription. */
  since(): Promise<number>;
  /** The subscription's filters from `since` (job requests, and zap receipts when priced). */
  filters(since: number): Filter[];
  onEvent(event: NostrEvent): void;
  onOpen(url: string, since: number): void;
  /** An open subscription ended (not on stop()). */
  onDrop(url: string, error: Error | undefined): void;
  /** A connection could not be opened. */
  onFail(url: string, error: Error): void;
  timeoutMs: number;
}

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

export class RelayLink {
  readonly url: string;
  readonly #env: RelayLinkEnv;
  readonly #stop = new AbortController();
  #client: RelayClient | undefined;
  #done: Promise<void> = Promise.resolve();

  constructor(url: string, env: RelayLinkEnv) {
    this.url = url;
    this.#env = env;
  }

  start(): void {
    this.#done = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#client?.close();
    await this.#done;
  }

  /** Publishes on the open connection; a failed result when there is none. */
  async publish(event: NostrEvent): Promise<PublishResult> {
    const client = this.#client;
    if (client === undefined) return { ok: false, message: "error: not connected" };
    try {
      return await client.publish(event, { timeoutMs: this.#env.timeoutMs });
    } catch (error) {
      return { ok: false, message: `error: ${(error as Error).message}` };
    }
  }

  async #run(): Promise<void> {
    let delay = MIN_DELAY_MS;
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const started = Date.now();
      await this.#once();
      if (signal.aborted) break;
      delay =
        Date.now() - started >= MAX_DELAY_MS ? MIN_DELAY_MS : Math.min(delay * 2, MAX_DELAY_MS);
      await sleep(delay, signal);
    }
  }

  async #once(): Promise<void> {
    const since = await this.#env.since();
    let client: RelayClient;
    try {
      client = await this.#env.connect(this.url, this.#stop.signal);
    } catch (error) {
      if (!this.#stop.signal.aborted) this.#env.onFail(this.url, error as Error);
      return;
    }
    this.#client = client;
    const filters = this.#env.filters(since);
    try {
      const error = await new Promise<Error | undefined>((resolve) => {
        const req = openLiveReq(client, filters, {
          onEvent: (event) => this.#env.onEvent(event),
          onEnd: resolve,
        });
        this.#env.onOpen(this.url, since);
        if (this.#stop.signal.aborted) req.close();
        else this.#stop.signal.addEventListener("abort", () => req.close(), { once: true });
      });
      if (!this.#stop.signal.aborted) this.#env.onDrop(this.url, error);
    } finally {
      this.#client = undefined;
      await client.close();
    }
  }
}
