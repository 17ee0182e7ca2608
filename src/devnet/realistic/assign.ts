/**
 * Which relay gets which behaviour: counts by largest remainder over the shares (every
 * behaviour at least once when there are enough relays), then a seeded shuffle of the list.
 * The same seed and relay count always give the same assignment.
 */
import { createPrng } from "../prng.js";
import type { RealisticBehaviour } from "./behaviours.js";

export interface BehaviourCount {
  behaviour: RealisticBehaviour;
  count: number;
}

/** How many relays each behaviour gets out of `relays` (catalogue order, zeros included). */
export function apportion(
  behaviours: readonly RealisticBehaviour[],
  relays: number,
): BehaviourCount[] {
  const floor = relays >= behaviours.length ? 1 : 0;
  const left = relays - floor * behaviours.length;
  const total = behaviours.reduce((sum, b) => sum + b.weight, 0);
  const quotas = behaviours.map((b) => (left * b.weight) / total);
  const counts = quotas.map((q) => floor + Math.floor(q));
  let missing = relays - counts.reduce((a, b) => a + b, 0);
  // Largest remainders first; ties go to the larger weight, then to catalogue order.
  const order = quotas
    .map((q, i) => ({ i, rest: q - Math.floor(q), weight: behaviours[i]?.weight ?? 0 }))
    .sort((a, b) => b.rest - a.rest || b.weight - a.weight || a.i - b.i);
  for (const { i } of order) {
    if (missing <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    missing--;
  }
  return behaviours.map((behaviour, i) => ({ behaviour, count: counts[i] ?? 0 }));
}

/** One behaviour per relay index: the apportioned list, shuffled with `seed`. */
export function assignBehaviours(
  behaviours: readonly RealisticBehaviour[],
  relays: number,
  seed: number,
): RealisticBehaviour[] {
  const list = apportion(behaviours, relays).flatMap(({ behaviour, count }) =>
    Array.from({ length: count }, () => behaviour),
  );
  const prng = createPrng(seed ^ 0xbe4a);
  for (let i = list.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [list[i], list[j]] = [list[j] as RealisticBehaviour, list[i] as RealisticBehaviour];
  }
  return list;
}
