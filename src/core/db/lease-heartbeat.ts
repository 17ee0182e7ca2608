/**
 * Holding leases while work runs: take them with a short time-to-live and renew them every
 * third of it, so a process that dies loses its items within one TTL, however long the work
 * would have taken. The set held changes as work is taken and finished (`add`, `remove`). A
 * renewal that fails (database away) is retried at the next beat; items found lost (expired
 * and taken by another process) are reported once.
 */
import { renewLeases } from "./leases.js";
import type { Db } from "./pool.js";

export interface HeartbeatOptions {
  service: string;
  holder: string;
  /** Seconds each renewal extends the leases by. */
  ttl: number;
  /** Unix seconds. */
  now: () => number;
  /** Items another process holds now: stop working on them. */
  onLost?: (items: string[]) => void;
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
