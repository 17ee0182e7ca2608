/**
 * The monitor's DM inbox (docs/alerts.md): the gift wraps (kind 1059) p-tagged to its pubkey on
 * its inbox relays, read once per cycle (a REQ to EOSE per relay, NIP-42 answered with its key),
 * newest first, each once however many relays hold it.
 */
import { proxyOf } from "../../core/config/proxy.js";
import type { NetworksConfig } from "../../core/config/schemas.js";
import type { NostrEvent } from "../../models/event-types.js";
import { parseRelayUrl } from "../../models/relay-url.js";
import { connectRelay } from "../../nips/nip01/connection.js";
import type { Resolver } from "../../utils/dns.js";

export interface InboxRead {
  relays: readonly string[];
  pubkey: string;
  secretKey: Uint8Array;
  /** Unix seconds: wraps dated before are not asked for. */
  since: number;
  /** Most wraps asked of each relay. */
  limit: number;
  timeoutMs: number;
  networks: NetworksConfig;
  allowPrivate: boolean;
  signal: AbortSignal;
  resolver?: Resolver;
}

/** One relay's wraps; throws when it cannot be read. */
async function readRelay(url: string, r: InboxRead): Promise<NostrEvent[]> {
  const parsed = parseRelayUrl(url, { allowPrivate: r.allowPrivate });
  if (!parsed.ok) throw new Error(`not a relay URL: ${parsed.reason}`);
  const client = await connectRelay(parsed.url, {
    network: parsed.network,
    ...proxyOf(r.networks, parsed.network),
    timeoutMs: r.timeoutMs,
    eoseTimeoutMs: r.timeoutMs,
    idleTimeoutMs: r.timeoutMs,
    allowPrivate: r.allowPrivate,
    signal: r.signal,
    auth: { secretKey: r.secretKey },
    ...(r.resolver ? { resolver: r.resolver } : {}),
  });
  try {
    const filter = { kinds: [1059], "#p": [r.pubkey], since: r.since, limit: r.limit };
    const out: NostrEvent[] = [];
    for await (const event of client.req([filter], { signal: r.signal, maxEvents: r.limit })) {
      out.push(event);
    }
    return out;
  } finally {
    await client.close();
  }
}

/** The wraps of every inbox relay, each once, newest first; `failed` names unreadable relays. */
export async function readInbox(
  r: InboxRead,
): Promise<{ wraps: NostrEvent[]; failed: { url: string; reason: string }[] }> {
  const failed: { url: string; reason: string }[] = [];
  const byId = new Map<string, NostrEvent>();
  const results = await Promise.allSettled(r.relays.map((url) => readRelay(url, r)));
  for (const [i, result] of results.entries()) {
    if (result.status === "rejected") {
      const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
      failed.push({ url: r.relays[i] ?? "", reason });
      continue;
    }
    for (const e of result.value)
      if (e.tags.some((t) => t[0] === "p" && t[1] === r.pubkey)) byId.set(e.id, e);
  }
  const wraps = [...byId.values()].sort((a, b) => b.created_at - a.created_at);
  return { wraps, failed };
}
