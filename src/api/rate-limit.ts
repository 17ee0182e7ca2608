/**
 * Token buckets per client (an address or an API key): each holds up to `burst` tokens and
 * refills at `rate` a second; a request takes one. An empty bucket answers with the seconds
 * until the next token (the 429's Retry-After). The least recently seen clients are forgotten
 * first once `maxClients` are held, so memory stays bounded under a flood of addresses.
 */
export interface Bucket {
  rate: number;
  burst: number;
}

export type Admission = { ok: true; remaining: number } | { ok: false; retryAfterS: number };

interface State {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly #clients = new Map<string, State>();
  readonly #maxClients: number;
  readonly #nowMs: () => number;

  constructor(maxClients: number, nowMs: () => number = () => performance.now()) {
    this.#maxClients = maxClients;
    this.#nowMs = nowMs;
  }

  /** Takes a token from `client`'s bucket of shape `bucket`, if it has one. */
  take(client: string, bucket: Bucket): Admission {
    const now = this.#nowMs();
    const state = this.#clients.get(client) ?? { tokens: bucket.burst, at: now };
    state.tokens = Math.min(bucket.burst, state.tokens + ((now - state.at) / 1000) * bucket.rate);
    state.at = now;
    this.#clients.delete(client);
    this.#clients.set(client, state);
    if (this.#clients.size > this.#maxClients) {
      const oldest = this.#clients.keys().next().value;
      if (oldest !== undefined) this.#clients.delete(oldest);
    }
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return { ok: true, remaining: Math.floor(state.tokens) };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - state.tokens) / bucket.rate)) };
  }

  get size(): number {
    return this.#clients.size;
  }
}
