/**
 * Publishing signed events to a set of relays, each outcome kept apart: accepted (OK true,
 * or a "duplicate:" refusal, since the relay has the event), rejected (OK false with the
 * relay's reason) or failed (no connection, no OK in time, disconnected). A publisher keeps
 * one connection per relay for its lifetime (a monitor cycle) and does not retry a relay it
 * could not reach; a connection the relay closed is opened again once. Never throws.
 */

import pLimit from "p-limit";
import type { NostrEvent } from "../../models/event-types.js";
import type { Network } from "../../models/network.js";
import { parseRelayUrl } from "../../models/relay-url.js";
import type { Resolver } from "../../utils/dns.js";
import { toConnectError } from "../../utils/transport.js";
import { connectRelay, type RelayClient } from "./connection.js";
import { RelayDisconnectedError, RelayTimeoutError } from "./errors.js";
import type { RelayClientOptions } from "./options.js";

export type PublishOutcome =
  | { url: string; status: "accepted"; message: string; ms: number }
  | { url: string; status: "rejected"; reason: string; prefix?: string; ms: number }
  | { url: string; status: "failed"; reason: string; ms: number };

export interface PublisherOptions {
  /** Budget of the connection and of each OK. */
  timeoutMs: number;
  /** Relays written to at once by one `publish`; default 8. */
  concurrency?: number;
  /** Answers NIP-42 challenges, so relays that want AUTH before a write accept ours. */
  secretKey?: Uint8Array;
  /** `socks5h://` proxy per overlay network; an overlay relay without one fails. */
  proxyUrls?: Partial<Record<Network, string>>;
  /** Private and loopback relays (tests, LAN deployments). Default false. */
  allowPrivate?: boolean;
  allowInsecure?: boolean;
  resolver?: Resolver;
  /** Ends pending connects and OK waits as "failed: aborted". */
  signal?: AbortSignal;
  /** Opens a connection; default nip01's connectRelay. */
  connect?: (url: string, options: RelayClientOptions) => Promise<RelayClient>;
}

export interface Publisher {
  /** Publishes `event` to each of `urls` (repeats ignored); outcomes in `urls` order. */
  publish(event: NostrEvent, urls: readonly string[]): Promise<PublishOutcome[]>;
  /** Closes every connection. */
  close(): Promise<void>;
}

const DEFAULT_CONCURRENCY = 8;
type Link = { client: RelayClient } | { failure: string };

const since = (started: number) => Math.round(performance.now() - started);

function clientOptions(options: PublisherOptions, network: Network): RelayClientOptions {
  const t = options.timeoutMs;
  const proxyUrl = options.proxyUrls?.[network];
  return {
    network,
    timeoutMs: t,
    replyTimeoutMs: t,
    authTimeoutMs: t,
    ...(proxyUrl === undefined ? {} : { proxyUrl }),
    ...(options.allowPrivate === undefined ? {} : { allowPrivate: options.allowPrivate }),
    ...(options.allowInsecure === undefined ? {} : { allowInsecure: options.allowInsecure }),
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.secretKey ? { auth: { secretKey: options.secretKey } } : {}),
  };
}

function publishFailure(error: unknown, options: PublisherOptions): string {
  if (options.signal?.aborted) return "aborted";
  if (error instanceof RelayTimeoutError) return `no OK within ${options.timeoutMs} ms`;
  if (error instanceof RelayDisconnectedError) return `disconnected: ${error.reason}`;
  return error instanceof Error ? error.message : String(error);
}

async function openLink(url: string, options: PublisherOptions): Promise<Link> {
  const parsed = parseRelayUrl(url, { allowPrivate: options.allowPrivate === true });
  if (!parsed.ok) return { failure: `invalid relay URL: ${parsed.reason}` };
  try {
    const connect = options.connect ?? connectRelay;
    return { client: await connect(url, clientOptions(options, parsed.network)) };
  } catch (error) {
    if (options.signal?.aborted) return { failure: "aborted" };
    const failure = toConnectError(error);
    return { failure: `${failure.kind}: ${failure.reason}` };
  }
}

/** Sends `event` on `client` and reads the OK as an outcome. */
async function sendOn(
  client: RelayClient,
  event: NostrEvent,
  url: string,
  options: PublisherOptions,
  started: number,
): Promise<PublishOutcome> {
  const call = {
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  try {
    const reply = await client.publish(event, call);
    const ms = since(started);
    if (reply.ok || reply.prefix === "duplicate") {
      return { url, status: "accepted", message: reply.message, ms };
    }
    const reason = reply.message || "(no reason)";
    const prefix = reply.prefix === undefined ? {} : { prefix: reply.prefix };
    return { url, status: "rejected", reason, ...prefix, ms };
  } catch (error) {
    return { url, status: "failed", reason: publishFailure(error, options), ms: since(started) };
  }
}

/** A publisher for one cycle; see the module comment. */
export function createPublisher(options: PublisherOptions): Publisher {
  const links = new Map<string, Promise<Link>>();

  /** The open connection to `url`, reopened once if the relay closed it since. */
  async function link(url: string): Promise<Link> {
    const pending = links.get(url);
    if (pending !== undefined) {
      const current = await pending;
      if (!("client" in current && current.client.isClosed)) return current;
      // Another caller may have reopened it while we waited: use theirs.
      if (links.get(url) !== pending) return link(url);
    }
    const opening = openLink(url, options);
    links.set(url, opening);
    return opening;
  }

  async function publishOne(event: NostrEvent, url: string): Promise<PublishOutcome> {
    const started = performance.now();
    if (options.signal?.aborted) return { url, status: "failed", reason: "aborted", ms: 0 };
    const linked = await link(url);
    if ("client" in linked) return sendOn(linked.client, event, url, options, started);
    return { url, status: "failed", reason: linked.failure, ms: since(started) };
  }

  return {
    publish(event, urls) {
      const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
      return Promise.all([...new Set(urls)].map((url) => limit(() => publishOne(event, url))));
    },
    async close() {
      const opened = await Promise.all(links.values());
      links.clear();
      await Promise.all(opened.map((l) => ("client" in l ? l.client.close() : undefined)));
    },
  };
}

/**
 * Publishes one event to `urls` over fresh connections, closed afterwards.
 * @public one-shot publishing (the monitor keeps a publisher for its whole cycle)
 */
export async function publishEvent(
  event: NostrEvent,
  urls: readonly string[],
  options: PublisherOptions,
): Promise<PublishOutcome[]> {
  const publisher = createPublisher(options);
  try {
    return await publisher.publish(event, urls);
  } finally {
    await publisher.close();
  }
}
