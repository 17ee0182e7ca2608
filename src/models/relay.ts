import type { Network } from "./network.js";

/** A validated relay (`relay` table). `url` is canonical (see relay-url.ts). */
export interface Relay {
  url: string;
  network: Network;
  /** Unix seconds when the relay was first seen. */
  discoveredAt: number;
}
