/**
 * The NIP-65 kind 10002 relay list as an unsigned template: one `r` tag per relay, with a
 * `read` or `write` marker, none when the relay is used for both. A relay listed twice is
 * merged (read + write = both), kept at its first position.
 */
import type { EventTemplate } from "../../utils/keys.js";

export const RELAY_LIST_KIND = 10002;

export interface RelayListEntry {
  url: string;
  /** "write": where the author publishes (outbox); "read": where it reads mentions (inbox). */
  usage: "read" | "write" | "both";
}

/**
 * The kind 10002 template of `relays`.
 */
export function buildRelayList(
  relays: readonly RelayListEntry[],
  createdAt: number,
): EventTemplate {
  const usage = new Map<string, RelayListEntry["usage"]>();
  for (const { url, usage: use } of relays) {
    const before = usage.get(url);
    usage.set(url, before === undefined || before === use ? use : "both");
  }
  const tags = [...usage].map(([url, use]) => (use === "both" ? ["r", url] : ["r", url, use]));
  return { kind: RELAY_LIST_KIND, created_at: createdAt, tags, content: "" };
}
