/** The networks a relay can live on. Overlays are reached through a SOCKS5 proxy. */
export const NETWORKS = ["clearnet", "tor", "i2p", "loki"] as const;
export type Network = (typeof NETWORKS)[number];

export function isOverlay(network: Network): boolean {
  return network !== "clearnet";
}
