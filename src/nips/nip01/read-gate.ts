/**
 * Backpressure on the read side of one connection. A subscription whose queue reaches its
 * high-water mark holds the gate; while anyone holds it nothing is read from the socket, so
 * the relay's writes stop at the TCP window instead of piling up in our memory. The socket is
 * shared, so every subscription (and every OK / COUNT reply) waits while it is paused.
 */
export interface ReadGateSocket {
  /** Stops reading (for `ws`: `WebSocket#pause`, which pauses the net.Socket). */
  pause(): void;
  resume(): void;
}

export class ReadGate {
  #socket: ReadGateSocket;
  #holders = new Set<object>();
  #onChange: (paused: boolean) => void;
  #closed = false;

  /** `onChange` runs on every pause and resume, after the socket was told. */
  constructor(socket: ReadGateSocket, onChange: (paused: boolean) => void) {
    this.#socket = socket;
    this.#onChange = onChange;
  }

  get paused(): boolean {
    return this.#holders.size > 0;
  }

  /** `holder` is over its mark: pauses reading unless someone already did. */
  hold(holder: object): void {
    if (this.#closed || this.#holders.has(holder)) return;
    this.#holders.add(holder);
    if (this.#holders.size > 1) return;
    this.#socket.pause();
    this.#onChange(true);
  }

  /** `holder` drained or ended: resumes reading when nobody else holds the gate. */
  release(holder: object): void {
    if (!this.#holders.delete(holder) || this.#holders.size > 0) return;
    this.#socket.resume();
    this.#onChange(false);
  }

  /** Reads on for good (the connection is closing: its close frame must be read). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const wasPaused = this.paused;
    this.#holders.clear();
    if (!wasPaused) return;
    this.#socket.resume();
    this.#onChange(false);
  }
}
