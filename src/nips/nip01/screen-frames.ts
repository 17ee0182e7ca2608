/**
 * Screening of a REQ's events: on this thread (screenEvent), or, for a REQ given `screen`,
 * off it. The adapter between such a REQ and screening off the main thread: a REQ given `screen` takes its
 * EVENT frames unparsed (the connection routes them by the subscription id at the frame's
 * head) and hands them over a batch at a time; the answer is counted here exactly as the
 * client's own screening counts each event (screenEvent, and the connection's garbage
 * frames), and the accepted events go on to the signature check.
 */
import { hasValidId, validateEvent } from "../../models/event.js";
import type { Filter, NostrEvent } from "../../models/event-types.js";
import { matchFilters } from "../../models/filter.js";
import { type ScreenReply, screenedEvents, VERDICT } from "../../utils/verify/screen.js";
import type { RelayStats } from "./stats.js";

/** Screens a batch of EVENT frames against a REQ's filters (e.g. Verifier.screenFrames). */
export type ScreenBatch = (
  frames: Uint8Array[],
  filters: readonly Filter[],
) => Promise<ScreenReply>;

/** How every EVENT frame the client reads begins when written without spaces. */
const EVENT_HEAD = Buffer.from('["EVENT","');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The subscription id of an EVENT frame written without spaces (what relays send), read
 * from its bytes, or undefined: then the frame is decoded and parsed here as any other.
 */
export function eventFrameSubId(frame: Buffer): string | undefined {
  const head = EVENT_HEAD.length;
  if (frame.length <= head || frame.compare(EVENT_HEAD, 0, head, 0, head) !== 0) return undefined;
  const end = frame.indexOf(QUOTE, head);
  if (end < 0) return undefined;
  const slash = frame.indexOf(BACKSLASH, head);
  return slash >= 0 && slash < end ? undefined : frame.toString("utf8", head, end);
}

/** Counts the refused frames of a reply in `stats` and `onRefused`; returns the accepted. */
export function countScreened(
  reply: ScreenReply,
  stats: RelayStats,
  onRefused: ((createdAt: number | undefined) => void) | undefined,
): NostrEvent[] {
  const { verdicts, at } = reply;
  for (let i = 0; i < verdicts.length; i++) {
    const verdict = verdicts[i];
    if (verdict === VERDICT.ok) continue;
    if (verdict === VERDICT.garbage) stats.garbageFrames++;
    else if (verdict === VERDICT.mismatched) stats.mismatched++;
    else {
      if (verdict === VERDICT.invalid) stats.invalid++;
      else stats.badId++;
      const when = at[i] as number;
      onRefused?.(Number.isNaN(when) ? undefined : when);
    }
  }
  return screenedEvents(reply);
}

/**
 * Shape, id and filter screening; counts rejects in `stats` and tells `onRefused`. `raw` is
 * an object the caller has just parsed and no one else holds (its tags are taken, not copied).
 */
export function screenEvent(
  raw: unknown,
  filters: readonly Filter[],
  stats: RelayStats,
  onRefused?: (createdAt: number | undefined) => void,
): NostrEvent | null {
  const checked = validateEvent(raw, { owned: true });
  if (!checked.ok) {
    stats.invalid++;
    onRefused?.(claimedCreatedAt(raw));
    return null;
  }
  if (!hasValidId(checked.event)) {
    stats.badId++;
    onRefused?.(checked.event.created_at);
    return null;
  }
  if (!matchFilters(filters, checked.event)) {
    stats.mismatched++;
    return null;
  }
  return checked.event;
}

/** A malformed event's `created_at`, when it is a plausible second. */
function claimedCreatedAt(raw: unknown): number | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const at = (raw as { created_at?: unknown }).created_at;
  return typeof at === "number" && Number.isSafeInteger(at) && at >= 0 ? at : undefined;
}
