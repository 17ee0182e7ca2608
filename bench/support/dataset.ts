import type { ArchiveItem } from "../../src/core/db/archive.js";
import { generateEvents } from "../../src/devnet/event-factory.js";
import { createPrng } from "../../src/devnet/prng.js";
import type { NostrEvent } from "../../src/models/event-types.js";
import type { Network } from "../../src/models/network.js";

export interface Dataset {
  events: NostrEvent[];
  /** Every sighting (event × relay), each event's sightings next to each other. */
  items: ArchiveItem[];
  relays: number;
}

function relayPool(count: number): { url: string; network: Network }[] {
  return Array.from({ length: count }, (_, i) =>
    i % 10 === 9
      ? { url: `ws://benchrelay${i}${"a".repeat(40)}.onion`, network: "tor" as const }
      : { url: `wss://relay${i}.bench.example`, network: "clearnet" as const },
  );
}

/** `count` realistic events (ids correct, signatures random), each seen on ~`perEvent` relays. */
export async function buildDataset(
  count: number,
  relays = 50,
  perEvent = 4,
  seed = 7,
): Promise<Dataset> {
  const prng = createPrng(seed);
  const pool = relayPool(relays);
  const urls = pool.map((r) => r.url);
  const events = await generateEvents({ count, seed, sign: false, users: 2000, relayUrls: urls });
  const items: ArchiveItem[] = [];
  for (const event of events) {
    const copies = Math.max(1, perEvent + prng.int(-2, 2));
    const start = prng.int(0, relays - 1);
    for (let k = 0; k < copies; k++) {
      const relay = pool[(start + k * 7) % relays] ?? pool[0];
      if (!relay) continue;
      items.push({
        event,
        relayUrl: relay.url,
        network: relay.network,
        seenAt: event.created_at + prng.int(1, 600),
      });
    }
  }
  return { events, items, relays };
}
