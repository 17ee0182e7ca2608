import type { NetworksConfig } from "../../core/config/schemas.js";
import { isOverlay, type Network } from "../../models/index.js";

/** `{ proxyUrl }` of an overlay network that has a SOCKS5 proxy configured; `{}` otherwise. */
export function proxyOf(
  networks: Readonly<NetworksConfig>,
  network: Network,
): { proxyUrl?: string } {
  const proxy = networks[network].proxy;
  return isOverlay(network) && proxy ? { proxyUrl: proxy } : {};
}
