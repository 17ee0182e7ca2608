/**
 * Quantiles of the most recent samples (pure): a ring of the last `size` values (the live
 * path's receipt → commit delays), sorted only when a quantile is asked for (every status
 * write, not every event).
 */
export class LagWindow {
  readonly #ring: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size = 4096) {
    this.#ring = new Float64Array(size);
  }

  add(value: number): void {
    this.#ring[this.#next] = value;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#count < this.#ring.length) this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** The q-quantile (0..1, nearest rank) of the samples kept, or null without any. */
  quantile(q: number): number | null {
    if (this.#count === 0) return null;
    const sorted = this.#ring.slice(0, this.#count).sort();
    const rank = Math.min(this.#count - 1, Math.max(0, Math.ceil(q * this.#count) - 1));
    return sorted[rank] ?? null;
  }
}
