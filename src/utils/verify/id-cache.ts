/**
 * Bounded set of event ids whose signature is known to be good, evicting the least recently
 * used id when full. A Map keeps insertion order, so re-inserting on a hit moves the id to
 * the young end and the oldest id is always the first key.
 */
export class IdCache {
  readonly #ids = new Map<string, true>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, Math.floor(capacity));
  }

  get size(): number {
    return this.#ids.size;
  }

  /** Looks the id up and, when present, marks it as recently used. */
  touch(id: string): boolean {
    if (!this.#ids.delete(id)) return false;
    this.#ids.set(id, true);
    return true;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string): void {
    if (this.#capacity === 0) return;
    this.#ids.delete(id);
    this.#ids.set(id, true);
    if (this.#ids.size > this.#capacity) {
      const oldest = this.#ids.keys().next();
      if (!oldest.done) this.#ids.delete(oldest.value);
    }
  }
}
