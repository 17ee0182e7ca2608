/**
 * Bounded maps and sets keyed by event id, evicting the least recently used id when full. A
 * Map keeps insertion order, so re-inserting on a hit moves the id to the young end and the
 * oldest id is always the first key.
 */
import { hash } from "node:crypto";

export class LruMap<V> {
  readonly #map = new Map<string, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, Math.floor(capacity));
  }

  get size(): number {
    return this.#map.size;
  }

  /** The id's value, marking it as recently used. */
  touch(id: string): V | undefined {
    const value = this.#map.get(id);
    if (value === undefined) return undefined;
    this.#map.delete(id);
    this.#map.set(id, value);
    return value;
  }

  get(id: string): V | undefined {
    return this.#map.get(id);
  }

  set(id: string, value: V): void {
    if (this.#capacity === 0) return;
    this.#map.delete(id);
    this.#map.set(id, value);
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }
}

/** Bounded set of event ids (e.g. known to be archived). */
export class IdCache {
  readonly #ids: LruMap<true>;

  constructor(capacity: number) {
    this.#ids = new LruMap(capacity);
  }

  get size(): number {
    return this.#ids.size;
  }

  /** Looks the id up and, when present, marks it as recently used. */
  touch(id: string): boolean {
    return this.#ids.touch(id) === true;
  }

  has(id: string): boolean {
    return this.#ids.get(id) === true;
  }

  add(id: string): void {
    this.#ids.set(id, true);
  }
}

/**
 * A short fingerprint of a signature (96 bits of its SHA-256): a cache of verified (id,
 * signature) pairs holds this instead of the 128-character signature, and a forged signature
 * cannot be made to share it with the verified one.
 */
export function signatureTag(sig: string): string {
  // One-shot hash of the UTF-8 bytes (no Hash object): this runs for every copy received. A
  // cached tag is always of 128 ASCII hex characters, whose bytes no other string shares.
  return hash("sha256", sig, "binary").slice(0, 12);
}
