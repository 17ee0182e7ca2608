/** The SOCKS5 proxy a connection to a relay of a network goes through (brotr.yaml `networks`). */
import { isOverlay, type Network } from "../../models/index.js";
import type { NetworksConfig } from "./schemas.js";

/** `{ proxyUrl }` of an overlay network that has a SOCKS5 proxy configured; `{}` otherwise. */
export function proxyOf(
  networks: Readonly<NetworksConfig>,
  network: Network,
): { proxyUrl?: string } {
  const proxy = networks[network].proxy;
  return isOverlay(network) && proxy ? { proxyUrl: proxy } : {};
}
