/** Open streams counted per process and per client (an address or an API key). */
export interface StreamCaps {
  total: number;
  anonymous: number;
  keyed: number;
}

export type Refusal = "server_full" | "client_full";

export class StreamLimits {
  readonly #caps: StreamCaps;
  readonly #byClient = new Map<string, number>();
  #open = 0;

  constructor(caps: StreamCaps) {
    this.#caps = caps;
  }

  get open(): number {
    return this.#open;
  }

  /** Takes a slot for `client` (keyed: `key:…`); returns its release, or why there is none. */
  take(client: string): (() => void) | Refusal {
    const cap = client.startsWith("key:") ? this.#caps.keyed : this.#caps.anonymous;
    const held = this.#byClient.get(client) ?? 0;
    if (held >= cap) return "client_full";
    if (this.#open >= this.#caps.total) return "server_full";
    this.#byClient.set(client, held + 1);
    this.#open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open--;
      const n = (this.#byClient.get(client) ?? 1) - 1;
      if (n > 0) this.#byClient.set(client, n);
      else this.#byClient.delete(client);
    };
  }
}
