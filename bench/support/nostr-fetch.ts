/**
 * nostr-fetch's fetchAllEvents, typed for our use: its 0.17 .d.ts use extensionless relative
 * imports that NodeNext cannot resolve, which leaves NostrFetcher out of its types.
 */
import * as nostrFetch from "nostr-fetch";
import WebSocket from "ws";

interface FetchAll {
  fetchAllEvents(
    urls: string[],
    filter: Record<string, unknown>,
    range: Record<string, never>,
    options: { limitPerReq?: number; skipVerification?: boolean },
  ): Promise<{ id: string }[]>;
  shutdown(): void;
}
type Init = (options: { webSocketConstructor: unknown; minLogLevel: "none" }) => FetchAll;

/** Every id nostr-fetch pages out of the relay at `url` (`limitPerReq` a REQ). */
export async function fetchAllIds(
  url: string,
  options: { limitPerReq?: number; skipVerification?: boolean } = {},
): Promise<string[]> {
  const init = (nostrFetch as unknown as { NostrFetcher: { init: Init } }).NostrFetcher.init;
  const fetcher = init({ webSocketConstructor: WebSocket, minLogLevel: "none" });
  try {
    const events = await fetcher.fetchAllEvents([url], {}, {}, options);
    return events.map((e) => e.id);
  } finally {
    fetcher.shutdown();
  }
}
