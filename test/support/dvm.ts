/**
 * The DVM's tests: a DVM started on a test context, and a NIP-90 customer built on
 * nostr-tools (its Relay as the client, its nip04 for encrypted requests), not on our code.
 */

import { finalizeEvent, getPublicKey } from "nostr-tools/pure";
import { Relay, useWebSocketImplementation } from "nostr-tools/relay";
import { vi } from "vitest";
import WebSocket from "ws";
import { brotrConfigSchema } from "../../src/core/config/schemas.js";
import type { Profile } from "../../src/core/db/migrate.js";
import type { NostrEvent } from "../../src/models/event-types.js";
import { dvmConfigSchema } from "../../src/services/dvm/config.js";
import { type RunningDvm, startDvm } from "../../src/services/dvm/service.js";
import type { TestContext } from "./service-context.js";

useWebSocketImplementation(WebSocket);

/** A fixed test key (hex) for the DVM, so replicas and restarts share it. */
export const DVM_SECRET = Uint8Array.from(Buffer.from("11".repeat(32), "hex"));

export function startTestDvm(
  tc: TestContext,
  relays: readonly string[],
  options: { config?: Record<string, unknown>; holder?: string; profile?: Profile } = {},
): RunningDvm {
  const brotr = brotrConfigSchema.parse({
    profile: options.profile ?? "bigbrotr",
    allow_private: true,
  });
  const config = dvmConfigSchema.parse({ enabled: true, relays, timeout: 5, ...options.config });
  return startDvm(
    { brotr, secretKey: DVM_SECRET, instanceId: options.holder ?? "test-dvm" },
    config,
    tc.ctx,
  );
}

/** A customer on one relay: publishes job requests and keeps every response addressed to it. */
export class Customer {
  readonly received: NostrEvent[] = [];
  readonly secretKey: Uint8Array;
  readonly pubkey: string;
  readonly #relay: Relay;

  private constructor(relay: Relay, secretKey: Uint8Array) {
    this.#relay = relay;
    this.secretKey = secretKey;
    this.pubkey = getPublicKey(secretKey);
  }

  static async open(url: string, seed: number): Promise<Customer> {
    const relay = await Relay.connect(url);
    const secretKey = Uint8Array.from(Buffer.from(seed.toString(16).padStart(64, "0"), "hex"));
    const c = new Customer(relay, secretKey);
    relay.subscribe([{ kinds: [6400, 6304, 7000], "#p": [c.pubkey] }, { kinds: [31990] }], {
      onevent: (e) => {
        c.received.push(e as NostrEvent);
      },
    });
    return c;
  }

  /** Signs and publishes a job request; resolves once the relay accepted it. */
  async request(kind: number, tags: string[][], content = "", createdAt?: number) {
    const event = finalizeEvent(
      { kind, tags, content, created_at: createdAt ?? Math.floor(Date.now() / 1000) },
      this.secretKey,
    ) as NostrEvent;
    await this.publish(event);
    return event;
  }

  /** Publishes an event as it is (a request sent again). */
  async publish(event: NostrEvent): Promise<void> {
    await this.#relay.publish(event);
  }

  /**
   * True when the relay answers a REQ by kind and time with `event` (stored, not only
   * acknowledged: @nostr-relay/core answers by id before its store has the event).
   */
  stored(event: NostrEvent): Promise<boolean> {
    return new Promise((resolve) => {
      let found = false;
      const filter = { kinds: [event.kind], since: event.created_at };
      const sub = this.#relay.subscribe([filter], {
        onevent: (e) => {
          if (e.id === event.id) found = true;
        },
        oneose: () => {
          sub.close();
          resolve(found);
        },
      });
    });
  }

  /** Responses (results and feedback) to `request`. */
  about(request: NostrEvent, kind?: number): NostrEvent[] {
    return this.received.filter(
      (e) =>
        (kind === undefined || e.kind === kind) &&
        e.tags.some((t) => t[0] === "e" && t[1] === request.id),
    );
  }

  /** Waits for a response of `kind` to `request` and returns it. */
  async waitFor(request: NostrEvent, kind: number): Promise<NostrEvent> {
    return vi.waitFor(
      () => {
        const found = this.about(request, kind)[0];
        if (found === undefined) throw new Error(`no ${kind} for ${request.id}`);
        return found;
      },
      { timeout: 15_000, interval: 20 },
    );
  }

  /** The feedback statuses sent about `request`, in arrival order. */
  statuses(request: NostrEvent): string[] {
    return this.about(request, 7000).map((e) => e.tags.find((t) => t[0] === "status")?.[1] ?? "");
  }

  close(): void {
    this.#relay.close();
  }
}
