/**
 * The two deadlines of one REQ: idle (max silence between its frames) and EOSE (max time from
 * REQ to EOSE). Both stand still while reading from the socket is paused, because then the
 * consumer is slow, not the relay: the idle timer restarts in full on resume and the EOSE
 * timer goes on with the time it had left.
 */
import type { TimeoutPhase } from "./errors.js";

export class ReqTimers {
  #idleMs: number;
  #eoseMs: number;
  #onTimeout: (phase: TimeoutPhase, ms: number) => void;
  #idle: NodeJS.Timeout | undefined;
  #eose: NodeJS.Timeout | undefined;
  #eoseLeft = 0;
  #eoseArmedAt = 0;
  /** REQ sent, EOSE not seen yet. */
  #running = false;
  #paused = false;

  constructor(
    idleMs: number,
    eoseMs: number,
    onTimeout: (phase: TimeoutPhase, ms: number) => void,
  ) {
    this.#idleMs = idleMs;
    this.#eoseMs = eoseMs;
    this.#onTimeout = onTimeout;
  }

  /** The REQ was (re)sent: both deadlines start in full (or on resume when `paused`). */
  start(paused: boolean): void {
    this.stop();
    this.#running = true;
    this.#paused = paused;
    this.#eoseLeft = this.#eoseMs;
    if (!paused) this.#arm();
  }

  /** A frame for the REQ arrived: the idle deadline starts again. */
  touch(): void {
    if (!this.#running || this.#paused) return;
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#onTimeout("idle", this.#idleMs), this.#idleMs);
  }

  /** Reading from the socket stopped or went on. */
  setPaused(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    if (!this.#running) return;
    if (!paused) {
      this.#arm();
      return;
    }
    clearTimeout(this.#idle);
    clearTimeout(this.#eose);
    this.#eoseLeft -= Date.now() - this.#eoseArmedAt;
  }

  /** EOSE, CLOSED or the end: no deadline any more. */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#idle);
    clearTimeout(this.#eose);
  }

  #arm(): void {
    this.touch();
    this.#eoseArmedAt = Date.now();
    this.#eose = setTimeout(
      () => this.#onTimeout("eose", this.#eoseMs),
      Math.max(0, this.#eoseLeft),
    );
  }
}
