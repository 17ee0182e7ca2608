import { describe, expect, it } from "vitest";
import { scaleRelays } from "../../../bench/support/scale-data.js";
import {
  BATCH_EVENTS,
  type EventBatch,
  EventGenerator,
  type ScaleSpec,
} from "../../../bench/support/scale-events.js";
import { hasValidId, unstorableReason } from "../../../src/models/event.js";
import { parseRelayUrl } from "../../../src/models/relay-url.js";

/** bench:scale's generated archive: what the bench claims about it holds. */
const SPEC: ScaleSpec = { events: 6 * BATCH_EVENTS, relays: 300, days: 2, seed: 5, end: 1.8e9 };

function allBatches(spec = SPEC, from = 0): EventBatch[] {
  return [...new EventGenerator(spec).batches(from)];
}

describe("bench:scale events", () => {
  const batches = allBatches();
  const fresh = batches.flatMap((b) => b.events.slice(0, b.fresh));

  it("every event hashes to its id (NIP-01) and can be stored", () => {
    expect(fresh).toHaveLength(SPEC.events);
    for (const event of fresh) {
      expect(hasValidId(event), event.id).toBe(true);
      expect(unstorableReason(event)).toBeNull();
    }
    expect(new Set(fresh.map((e) => e.id)).size).toBe(fresh.length);
  });

  it("a run resumed at a batch generates it exactly as a run from the start", () => {
    const resumed = allBatches(SPEC, 3);
    expect(resumed.map((b) => b.batch)).toEqual([3, 4, 5]);
    // Batch 3 carries late sightings of batch 1: the resumed run must regenerate them.
    expect((batches[3] as EventBatch).events.length).toBeGreaterThan(BATCH_EVENTS);
    expect(JSON.stringify(resumed)).toBe(JSON.stringify(batches.slice(3)));
  });

  it("each event is seen on 1 to 20 distinct relays, about 4 on average", () => {
    const seen = new Map<string, number[]>();
    for (const b of batches) {
      for (const s of b.sightings) {
        const id = (b.events[s.event] as { id: string }).id;
        seen.set(id, [...(seen.get(id) ?? []), s.relay]);
      }
    }
    // Late sightings of the last two batches fall after the end: at least one per event stays.
    expect(seen.size).toBe(SPEC.events);
    let total = 0;
    for (const relays of seen.values()) {
      expect(new Set(relays).size).toBe(relays.length);
      expect(relays.length).toBeLessThanOrEqual(20);
      total += relays.length;
    }
    expect(total / seen.size).toBeGreaterThan(3.5);
    expect(total / seen.size).toBeLessThan(4.5);
  });

  it("kinds are mixed as the network's, with some events in the future", () => {
    const share = (kind: number) => fresh.filter((e) => e.kind === kind).length / fresh.length;
    expect(share(1)).toBeGreaterThan(0.25);
    expect(share(7)).toBeGreaterThan(0.23);
    expect(share(9735)).toBeGreaterThan(0.05);
    expect(new Set(fresh.map((e) => e.kind)).size).toBeGreaterThan(20);
    expect(fresh.some((e) => e.created_at > SPEC.end)).toBe(true);
  });
});

describe("bench:scale relays", () => {
  const relays = scaleRelays(2000, 5, SPEC.end);

  it("have canonical URLs on the network they claim, all distinct", () => {
    for (const r of relays) {
      const parsed = parseRelayUrl(r.url);
      expect(parsed.ok && parsed.url === r.url && parsed.network === r.network, r.url).toBe(true);
    }
    expect(new Set(relays.map((r) => r.url)).size).toBe(relays.length);
  });

  it("are 40 % down or dead", () => {
    const gone = relays.filter((r) => r.health !== "up").length / relays.length;
    expect(gone).toBeGreaterThan(0.35);
    expect(gone).toBeLessThan(0.45);
  });
});
