/** The relay a request's path names: its URL made canonical, then its summary or a 404. */
import type { RelaySummary } from "../../core/db/read/relay-summary.js";
import { parseRelayUrl } from "../../models/relay-url.js";
import { ApiError } from "../errors.js";
import type { RelaySnapshots } from "./snapshots.js";

/**
 * The canonical form of a relay URL from the path; a ws(s) URL the parser refuses (a name it
 * would not discover, yet stored) is looked up as given; anything else is a 400 naming path.url.
 */
export function canonicalUrl(raw: string): string {
  const parsed = parseRelayUrl(raw, { allowPrivate: true });
  if (parsed.ok) return parsed.url;
  if (/^wss?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(raw)) return raw;
  throw new ApiError(400, "bad_request", `invalid path.url: ${parsed.reason}`, {
    issues: [{ path: "path.url", message: parsed.reason }],
  });
}

/** A relay's state and uptime (as of the snapshot when one is kept), or 404. */
export async function findRelay(snapshots: RelaySnapshots, url: string): Promise<RelaySummary> {
  const relay = await snapshots.relay(url);
  if (relay === undefined) throw new ApiError(404, "not_found", `no relay ${url}`);
  return relay;
}
