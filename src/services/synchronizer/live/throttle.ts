/**
 * A relay's cap on live events per second (pure; the caller passes the clock): a token
 * bucket of `burst` tokens refilled at `ratePerS`. An event without a token is dropped and
 * counted by the caller, never queued: a flooding relay costs the parse of its frames and
 * nothing more, and what it sent beyond the cap is left to the windowed cycles.
 */
export class RateCap {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;
  /** Events refused since the last `takeRefused`. */
  #refused = 0;

  constructor(ratePerS: number, burst: number, nowMs: number) {
    this.#rate = ratePerS;
    this.#burst = Math.max(1, burst);
    this.#tokens = this.#burst;
    this.#at = nowMs;
  }

  /** True when an event may pass at `nowMs` (takes a token); false counts a refusal. */
  take(nowMs: number): boolean {
    if (nowMs > this.#at) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ((nowMs - this.#at) / 1000) * this.#rate);
      this.#at = nowMs;
    }
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    this.#refused++;
    return false;
  }

  /** Refusals since the last call (and resets the count). */
  takeRefused(): number {
    const n = this.#refused;
    this.#refused = 0;
    return n;
  }
}
