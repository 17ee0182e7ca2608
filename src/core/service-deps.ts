import type { BrotrConfig } from "./config/schemas.js";

/** What the composition root hands every service besides its own config. */
export interface ServiceDeps {
  /** Deployment-wide settings: profile, networks, allow_private. */
  readonly brotr: BrotrConfig;
  /** The Nostr secret key (32 bytes) when one is configured (monitor, NIP-42 auth). */
  readonly secretKey?: Uint8Array;
  /** Names this process among the replicas of a service (its lease holder name). */
  readonly instanceId?: string;
}
