/**
 * Holding leases while work runs: take them with a short time-to-live and renew them every
 * third of it, so a process that dies loses its items within one TTL, however long the work
 * would have taken. The set held changes as work is taken and finished (`add`, `remove`). A
 * renewal that fails (database away) is retried at the next beat; items found lost (expired
 * and taken by another process) are reported once.
 */
import { releaseLeases, renewLeases } from "./leases.js";
import type { Db } from "./pool.js";

export interface HeartbeatOptions {
  service: string;
  holder: string;
  /** Seconds each renewal extends the leases by. */
  ttl: number;
  /** Unix seconds. */
  now: () => number;
  /** Items another process holds now: stop working on them. */
  onLost?: ((items: string[]) => void) | undefined;
}

export interface Heartbeat {
  add(items: Iterable<string>): void;
  remove(items: Iterable<string>): void;
  /** Stops renewing (the caller releases the leases or lets them expire). */
  stop(): void;
}

export function startHeartbeat(db: Db, options: HeartbeatOptions): Heartbeat {
  const held = new Set<string>();
  let running = false;
  const beat = async () => {
    if (running || held.size === 0) return;
    running = true;
    try {
      const items = [...held];
      const { service, holder, ttl } = options;
      const kept = await renewLeases(db, { service, holder, ttl, now: options.now(), items });
      const lost = items.filter((i) => !kept.has(i) && held.has(i));
      for (const i of lost) held.delete(i);
      if (lost.length > 0) options.onLost?.(lost);
    } catch {
      // The next beat tries again; the leases are still valid for most of their TTL.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void beat(), Math.max(1, options.ttl / 3) * 1000);
  timer.unref();
  return {
    add: (items) => {
      for (const i of items) held.add(i);
    },
    remove: (items) => {
      for (const i of items) held.delete(i);
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * The leases one cycle holds: renewed by a heartbeat while held, given back in batches (keys
 * released in the same turn, such as the runs of one committed batch, go in one statement).
 */
export class HeldLeases {
  readonly #db: Db;
  readonly #o: HeartbeatOptions;
  readonly #heartbeat: Heartbeat;
  readonly #held = new Set<string>();
  #queued: string[] = [];
  #releasing: Promise<void> = Promise.resolve();

  constructor(db: Db, options: HeartbeatOptions) {
    this.#db = db;
    this.#o = options;
    this.#heartbeat = startHeartbeat(db, options);
  }

  hold(keys: Iterable<string>): void {
    for (const k of keys) this.#held.add(k);
    this.#heartbeat.add(keys);
  }

  /** Gives these leases back (those not held are ignored); resolves once they are. */
  release(keys: readonly string[]): Promise<void> {
    const mine = keys.filter((k) => this.#held.delete(k));
    if (mine.length > 0) {
      this.#heartbeat.remove(mine);
      if (this.#queued.length === 0) this.#releasing = this.#releasing.then(() => this.#flush());
      this.#queued.push(...mine);
    }
    return this.#releasing;
  }

  /** Stops renewing, gives back every lease still held; resolves once every release is done. */
  releaseAll(): Promise<void> {
    this.#heartbeat.stop();
    return this.release([...this.#held]);
  }

  async #flush(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    const keys = this.#queued.splice(0);
    const { service, holder } = this.#o;
    // A release that fails leaves leases that run out within their TTL.
    await releaseLeases(this.#db, service, holder, keys).catch(() => 0);
  }
}
