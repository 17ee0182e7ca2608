/**
 * Limits shared by all of a relay's connections: open subscriptions per client address and per
 * authenticated key (NIP-42), and bytes of client messages per address per minute. Each
 * refusal is the reason a client is sent; the caller counts it under its metric label.
 */
import type { RelayLimits } from "./config.js";
import type { RefusalReason } from "./metrics.js";

const MINUTE_MS = 60_000;

export interface Refusal {
  reason: string;
  label: RefusalReason;
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const n = (map.get(key) ?? 0) + delta;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

export class RelayQuotas {
  readonly #limits: RelayLimits;
  readonly #now: () => number;
  readonly #subsByIp = new Map<string, number>();
  readonly #subsByKey = new Map<string, number>();
  /** Per address: when its current minute began, and the bytes received in it. */
  readonly #bytes = new Map<string, { start: number; bytes: number }>();

  constructor(limits: RelayLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  /** Counts a subscription in, or says why it may not open. */
  openSubscription(ip: string, key: string | undefined): Refusal | null {
    const { max_subscriptions_per_ip: perIp, max_subscriptions_per_key: perKey } = this.#limits;
    if ((this.#subsByIp.get(ip) ?? 0) >= perIp) {
      const reason = `rate-limited: at most ${perIp} open subscriptions from one address`;
      return { reason, label: "subscriptions_per_ip" };
    }
    if (key !== undefined && (this.#subsByKey.get(key) ?? 0) >= perKey) {
      const reason = `rate-limited: at most ${perKey} open subscriptions for one key`;
      return { reason, label: "subscriptions_per_key" };
    }
    bump(this.#subsByIp, ip, 1);
    if (key !== undefined) bump(this.#subsByKey, key, 1);
    return null;
  }

  closeSubscription(ip: string, key: string | undefined): void {
    bump(this.#subsByIp, ip, -1);
    if (key !== undefined) bump(this.#subsByKey, key, -1);
  }

  /** Counts `bytes` received from `ip`; a refusal once its minute's budget is spent. */
  receive(ip: string, bytes: number): Refusal | null {
    const now = this.#now();
    let window = this.#bytes.get(ip);
    if (window === undefined || now - window.start >= MINUTE_MS) {
      window = { start: now, bytes: 0 };
      this.#bytes.set(ip, window);
    }
    window.bytes += bytes;
    const max = this.#limits.max_bytes_per_minute_per_ip;
    if (window.bytes <= max) return null;
    const reason = `rate-limited: more than ${max} bytes a minute from your address; message dropped`;
    return { reason, label: "bytes_per_ip" };
  }

  /** Forgets an address's byte window once it has no connection left. */
  forget(ip: string): void {
    if (!this.#subsByIp.has(ip)) this.#bytes.delete(ip);
  }
}
