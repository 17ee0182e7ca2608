/**
 * Nostr DM deliveries (docs/alerts.md): the change as one line of text, sent as a NIP-17
 * private direct message (a kind 14 rumor sealed and gift-wrapped, kind 1059) from the
 * monitor's key to the subscriber, published to the subscriber's DM relays. Delivered when
 * one relay accepts the gift wrap.
 */
import { wrapEvent } from "nostr-tools/nip17";
import type { RelayChange } from "../../models/relay-change.js";
import type { Publisher } from "../../nips/nip01/publish.js";

const WORDS: Record<string, (e: Record<string, unknown>) => string> = {
  relay_added: () => "was added to the archive",
  down: (e) => `is down (${e.failures} failed checks${e.reason ? `: ${e.reason}` : ""})`,
  up: (e) => `is up again (open in ${e.rtt_open} ms)`,
  nip11_changed: (e) => `changed its NIP-11 document (${(e.fields as string[]).join(", ")})`,
  nips_changed: (e) => `changed its supported NIPs (now ${(e.nips as number[]).join(", ")})`,
  cert_renewed: () => "has a new certificate",
  cert_expiring: (e) => `has a certificate expiring in ${e.days_left} days`,
  cert_invalid: (e) => `has an invalid certificate (${e.reason ?? "does not verify"})`,
  rtt_high: (e) => `is slow (open in ${e.rtt_open} ms)`,
  rtt_normal: (e) => `is fast again (open in ${e.rtt_open} ms)`,
  write_failing: (e) => `refuses or fails writes while reads work (${e.reason ?? "?"})`,
  write_restored: () => "accepts writes again",
};

/** The message: `<relay> is down (3 failed checks: refused) at 2026-12-07 15:00 UTC [down]`. */
export function dmText(c: RelayChange): string {
  const what = WORDS[c.kind]?.(c.evidence) ?? c.kind;
  const at = `${new Date(c.checkedAt * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC`;
  return `${c.relayUrl} ${what} at ${at} [${c.kind}]`;
}

/** Sends `text` by DM to `pubkey` on `relays`; null when a relay accepted it, else why none did. */
export async function sendText(
  publisher: Publisher,
  secretKey: Uint8Array,
  pubkey: string,
  relays: readonly string[],
  text: string,
): Promise<string | null> {
  const wrap = wrapEvent(secretKey, { publicKey: pubkey }, text);
  const outcomes = await publisher.publish(wrap, relays);
  if (outcomes.some((o) => o.status === "accepted")) return null;
  if (outcomes.length === 0) return "no relay to send to";
  return outcomes.map((o) => `${o.url}: ${o.status === "accepted" ? "" : o.reason}`).join("; ");
}

/** Sends one alert DM; null when a relay accepted it, else why none did. */
export function sendDm(call: {
  publisher: Publisher;
  secretKey: Uint8Array;
  pubkey: string;
  relays: readonly string[];
  change: RelayChange;
}): Promise<string | null> {
  const { publisher, secretKey, pubkey, relays, change } = call;
  return sendText(publisher, secretKey, pubkey, relays, dmText(change));
}
