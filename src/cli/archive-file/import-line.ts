/**
 * One line of an event file (`bigbrotr export` output or any NIP-01 JSONL): parsed, its
 * shape checked, and the relays to record it on resolved. The id and signature are checked
 * later, a batch at a time.
 */
import { validateEvent } from "../../models/event.js";
import type { NostrEvent } from "../../models/event-types.js";
import type { Network } from "../../models/network.js";
import { parseRelayUrl } from "../../models/relay-url.js";

/**
 * A relay an event was seen on (a sighting, `event_relay`): its URL in canonical form and its
 * network. (Not nips/nip66 RelayTarget, the host and port a check connects to.)
 */
export interface SightingRelay {
  url: string;
  network: Network;
}

/**
 * A line's event and the relays to record it on, or why it is refused. A well-formed event
 * that names no relay comes back refused (NO_RELAY) with its `event`, so that its id and
 * signature are still checked: a forged line is reported as forged, not as unattributed.
 */
export type ParsedLine =
  | { ok: true; event: NostrEvent; relays: SightingRelay[] }
  | { ok: false; reason: string; event?: NostrEvent };

export interface ParseLineOptions {
  /** Every event is attributed to this relay; the lines' `relays` fields are ignored. */
  relay?: SightingRelay;
  /** Accept loopback and private relay URLs (deployments with allow_private). */
  allowPrivate?: boolean;
}

/** More relays than this on one line is not a sighting list but an attack on the batch size. */
export const MAX_RELAYS_PER_LINE = 1000;
export const NO_RELAY = "no relay to attribute the event to";
const MAX_REASON_CHARS = 200;

/** Canonical URL and network of a relay URL, or why it is refused. */
export function parseSightingRelay(
  text: string,
  allowPrivate = false,
): { ok: true; relay: SightingRelay } | { ok: false; reason: string } {
  const parsed = parseRelayUrl(text, { allowPrivate });
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  return { ok: true, relay: { url: parsed.url, network: parsed.network } };
}

function clip(text: string): string {
  return text.length <= MAX_REASON_CHARS ? text : `${text.slice(0, MAX_REASON_CHARS)}…`;
}

function lineRelays(
  value: unknown,
  allowPrivate: boolean,
): { ok: true; relays: SightingRelay[] } | { ok: false; reason: string } {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    return { ok: false, reason: NO_RELAY };
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    return { ok: false, reason: "invalid: relays is not an array of strings" };
  }
  if (value.length > MAX_RELAYS_PER_LINE) {
    return { ok: false, reason: `invalid: more than ${MAX_RELAYS_PER_LINE} relays` };
  }
  const byUrl = new Map<string, SightingRelay>();
  for (const [i, text] of (value as string[]).entries()) {
    const parsed = parseSightingRelay(text, allowPrivate);
    if (!parsed.ok) return { ok: false, reason: clip(`invalid: relays[${i}]: ${parsed.reason}`) };
    byUrl.set(parsed.relay.url, parsed.relay);
  }
  return { ok: true, relays: [...byUrl.values()] };
}

/**
 * True when `text` (a file's first event line) is an event that names no relay: a plain
 * NIP-01 file, which needs `--relay` to be imported.
 */
export function namesNoRelay(text: string): boolean {
  try {
    const raw = JSON.parse(text) as { relays?: unknown; id?: unknown } | null;
    if (raw === null || typeof raw !== "object" || typeof raw.id !== "string") return false;
    return raw.relays === undefined || (Array.isArray(raw.relays) && raw.relays.length === 0);
  } catch {
    return false;
  }
}

/** Parses one non-blank line. Never throws: every problem is a reason. */
export function parseImportLine(text: string, options: ParseLineOptions = {}): ParsedLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: clip(`not JSON: ${(error as Error).message}`) };
  }
  const checked = validateEvent(raw);
  if (!checked.ok) return checked;
  if (options.relay !== undefined) {
    return { ok: true, event: checked.event, relays: [options.relay] };
  }
  const relays = lineRelays((raw as { relays?: unknown }).relays, options.allowPrivate === true);
  if (!relays.ok) return relays.reason === NO_RELAY ? { ...relays, event: checked.event } : relays;
  return { ok: true, event: checked.event, relays: relays.relays };
}
