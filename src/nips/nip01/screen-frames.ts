/**
 * The adapter between a REQ and screening off the main thread: a REQ given `screen` takes its
 * EVENT frames unparsed (the connection routes them by the subscription id at the frame's
 * head) and hands them over a batch at a time; the answer is counted here exactly as the
 * client's own screening counts each event (screenEvent, and the connection's garbage
 * frames), and the accepted events go on to the signature check.
 */
import type { Filter, NostrEvent } from "../../models/event-types.js";
import { type ScreenReply, screenedEvents, VERDICT } from "../../utils/verify/screen.js";
import type { RelayStats } from "./stats.js";

/** Screens a batch of EVENT frames against a REQ's filters (e.g. Verifier.screenFrames). */
export type ScreenBatch = (frames: string[], filters: readonly Filter[]) => Promise<ScreenReply>;

/** How every EVENT frame the client reads begins when written without spaces. */
const EVENT_HEAD = '["EVENT","';

/**
 * The subscription id of an EVENT frame written without spaces (what relays send), or
 * undefined: then the frame is parsed here as any other.
 */
export function eventFrameSubId(text: string): string | undefined {
  if (!text.startsWith(EVENT_HEAD)) return undefined;
  const end = text.indexOf('"', EVENT_HEAD.length);
  if (end < 0) return undefined;
  const subId = text.slice(EVENT_HEAD.length, end);
  return subId.includes("\\") ? undefined : subId;
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
