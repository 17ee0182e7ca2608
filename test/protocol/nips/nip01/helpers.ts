import { afterEach } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import {
  connectRelay,
  type RelayClient,
  type RelayClientOptions,
} from "../../../../src/nips/nip01/index.js";
import {
  type FakeRelay,
  type FakeRelayOptions,
  startFakeRelay,
} from "../../../support/fake-relay.js";

/** Drains a REQ into an array. */
export async function collect(iterable: AsyncIterable<NostrEvent>): Promise<NostrEvent[]> {
  const out: NostrEvent[] = [];
  for await (const ev of iterable) out.push(ev);
  return out;
}

/**
 * Fake relays and loopback clients that are closed after each test. `events()` gives the
 * stored events a new relay starts with (read lazily, after `beforeAll` filled them).
 */
export function useRelays(events: () => NostrEvent[]) {
  const open: { relays: FakeRelay[]; clients: RelayClient[] } = { relays: [], clients: [] };
  afterEach(async () => {
    await Promise.all(open.clients.splice(0).map((c) => c.close()));
    await Promise.all(open.relays.splice(0).map((r) => r.close()));
  });
  return {
    async relay(options: FakeRelayOptions = {}): Promise<FakeRelay> {
      const started = await startFakeRelay({ events: events(), ...options });
      open.relays.push(started);
      return started;
    },
    async client(url: string, options: Partial<RelayClientOptions> = {}): Promise<RelayClient> {
      const c = await connectRelay(url, {
        network: "clearnet",
        timeoutMs: 2000,
        allowPrivate: true,
        ...options,
      });
      open.clients.push(c);
      return c;
    },
  };
}
