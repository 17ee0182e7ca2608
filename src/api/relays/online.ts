/** The online set: the URLs of the relays up now, optionally of one network and some NIPs. */
import type { RelaySummary } from "../../core/db/read/relay-summary.js";
import type { Network } from "../../models/network.js";
import { relayStatus } from "./status.js";

export interface OnlineFilter {
  /** Any of these networks. */
  network?: readonly Network[] | undefined;
  /** Relays supporting every one of these. */
  nips?: readonly number[] | undefined;
}

/** The URLs (in the snapshot's URL order) of the relays up at `now` that match `filter`. */
export function onlineUrls(
  relays: readonly RelaySummary[],
  filter: OnlineFilter,
  now: number,
  maxCheckAge: number,
): string[] {
  const { network, nips } = filter;
  return relays
    .filter(
      (r) =>
        (network === undefined || network.includes(r.network)) &&
        (nips === undefined || nips.every((n) => r.nips.includes(n))) &&
        relayStatus(r, now, maxCheckAge) === "up",
    )
    .map((r) => r.url);
}
